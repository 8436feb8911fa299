import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres } from '#db/embedded'
import { migrateDatabase } from '#db/migrate'

// One real PostgreSQL for the whole run; every test file gets its own
// database cloned from a migrated template (see setup-file.ts).

declare module 'vitest' {
	export interface ProvidedContext {
		postgresAdminUrl: string
		templateDatabase: string
	}
}

export default async function setup(project: TestProject) {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-pg-'))
	fs.chmodSync(dataDir, 0o755)
	const pg = await startEmbeddedPostgres(dataDir, undefined, {
		// A throwaway cluster: durability only costs the run time.
		fsync: 'off',
		synchronous_commit: 'off',
		full_page_writes: 'off',
		// Two test files run at once, and some start a web process and several
		// workers against their database (each within its connection budget,
		// docs/scaling.md); 100 is not enough for two such files side by side.
		max_connections: 300,
	})
	const templateDatabase = 'darkroom_template'
	const adminUrl = pg.url.replace(/\/darkroom$/, '/postgres')
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
	await admin.unsafe(`create database ${templateDatabase}`)
	await admin.end()
	await migrateDatabase(adminUrl.replace(/\/postgres$/, `/${templateDatabase}`))
	project.provide('postgresAdminUrl', adminUrl)
	project.provide('templateDatabase', templateDatabase)
	return async () => {
		await pg.stop()
		fs.rmSync(dataDir, { recursive: true, force: true })
	}
}
