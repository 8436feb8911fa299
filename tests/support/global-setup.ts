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
	const pg = await startEmbeddedPostgres(dataDir)
	const templateDatabase = 'darkroom_template'
	const adminUrl = pg.url.replace(/\/darkroom$/, '/postgres')
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
	// A throwaway cluster: durability only costs the run time (all reloadable settings).
	for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
		await admin.unsafe(`alter system set ${setting} = off`)
	}
	await admin.unsafe('select pg_reload_conf()')
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
