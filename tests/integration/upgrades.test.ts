import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { bundledMajorVersion } from '#db/embedded'
import { migrateDatabase, NewerSchemaError } from '#db/migrate'

// Upgrades: a newer Darkroom migrates an older database and keeps its rows; an
// older Darkroom refuses a schema a newer one migrated, and an embedded data
// directory of another PostgreSQL major version, before changing anything.

const root = path.resolve(import.meta.dirname, '../..')
const migrationsFolder = path.join(root, 'db/migrations')
const known = readMigrationFiles({ migrationsFolder })
const adminUrl = inject('postgresAdminUrl')
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
const clients: postgres.Sql[] = []
const tempDirs: string[] = []

afterAll(async () => {
	for (const client of clients) await client.end()
	await admin.end()
	for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
})

const tempDir = () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-upgrade-'))
	tempDirs.push(dir)
	return dir
}

/** An empty database migrated to the first `level` migrations only, as an older Darkroom left it. */
async function databaseAtLevel(level: number) {
	const name = `upgrade_${randomBytes(6).toString('hex')}`
	await admin.unsafe(`create database ${name}`)
	const url = adminUrl.replace(/\/postgres$/, `/${name}`)
	const folder = tempDir()
	const journal = JSON.parse(
		fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8'),
	) as { entries: Array<{ tag: string }> }
	journal.entries = journal.entries.slice(0, level)
	fs.mkdirSync(path.join(folder, 'meta'))
	fs.writeFileSync(path.join(folder, 'meta/_journal.json'), JSON.stringify(journal))
	for (const { tag } of journal.entries) {
		fs.copyFileSync(path.join(migrationsFolder, `${tag}.sql`), path.join(folder, `${tag}.sql`))
	}
	const client = postgres(url, { max: 1, onnotice: () => {} })
	clients.push(client)
	await migrate(drizzle(client), { migrationsFolder: folder })
	return { url, client }
}

/** `server/start.ts` with a clean environment plus `env`; resolves with its exit code and output. */
function start(env: Record<string, string>) {
	const base = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) => !['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY'].includes(key),
		),
	)
	const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
		cwd: root,
		env: { ...base, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: tempDir(), ...env },
	})
	let output = ''
	child.stdout.on('data', (chunk) => (output += chunk))
	child.stderr.on('data', (chunk) => (output += chunk))
	return new Promise<{ code: number | null; output: string }>((resolve) =>
		child.on('exit', (code) => resolve({ code, output })),
	)
}

const columnsOf = async (client: postgres.Sql, table: string) =>
	(
		await client<Array<{ name: string }>>`
			select column_name as name from information_schema.columns where table_name = ${table}`
	).map((column) => column.name)

describe('a newer Darkroom on an older database', () => {
	test('migrates it and keeps its rows', async () => {
		// Before user roles (0010) and the team (0018).
		const { url, client } = await databaseAtLevel(10)
		expect(await columnsOf(client, 'users')).not.toContain('role')
		await client`insert into users (email, password_hash) values ('old@example.com', 'hash')`

		await migrateDatabase(url)

		const [user] = await client`select email, password_hash, role from users`
		expect(user).toEqual({ email: 'old@example.com', password_hash: 'hash', role: 'member' })
		const [{ level }] = await client<[{ level: number }]>`
			select count(*)::int as level from drizzle.__drizzle_migrations`
		expect(level).toBe(known.length)
	})
})

describe('an older Darkroom on a newer schema', () => {
	/** A database at level 10 that a "newer" Darkroom has taken one migration further than this code knows. */
	async function migratedByNewer() {
		const database = await databaseAtLevel(10)
		const newest = Math.max(...known.map((migration) => migration.folderMillis))
		await database.client`insert into drizzle.__drizzle_migrations (hash, created_at)
			values ('from-a-newer-darkroom', ${newest + 86_400_000})`
		return database
	}

	test('refuses, naming the level, before running anything', async () => {
		const { url, client } = await migratedByNewer()

		const refusal = await migrateDatabase(url).catch((error: unknown) => error)

		expect(refusal).toBeInstanceOf(NewerSchemaError)
		expect((refusal as Error).message).toContain('migrated by a newer Darkroom')
		expect((refusal as Error).message).toContain(
			`level 11, and this Darkroom knows levels up to ${known.length}`,
		)
		// Neither our migrations nor graphile-worker's ran.
		expect(await columnsOf(client, 'users')).not.toContain('role')
		const [{ worker }] = await client<[{ worker: string | null }]>`
			select to_regnamespace('graphile_worker')::text as worker`
		expect(worker).toBeNull()
	})

	test('`npm start` says so and exits 1', async () => {
		const { url } = await migratedByNewer()
		const { code, output } = await start({ DATABASE_URL: url })
		expect(code).toBe(1)
		expect(output).toContain('This database was migrated by a newer Darkroom')
		// A message, not a stack trace.
		expect(output).not.toMatch(/\n\s+at /)
	})
})

describe('an embedded data directory of another PostgreSQL major version', () => {
	test('`npm start` stops with the way across (backup, restore) and leaves it as it was', async () => {
		const dataDir = tempDir()
		fs.chmodSync(dataDir, 0o755)
		const clusterDir = path.join(dataDir, 'postgres')
		fs.mkdirSync(clusterDir)
		const older = String(Number(bundledMajorVersion()) - 1)
		fs.writeFileSync(path.join(clusterDir, 'PG_VERSION'), `${older}\n`)

		const { code, output } = await start({ DATA_DIR: dataDir })

		expect(code).toBe(1)
		expect(output).toContain(
			`written by PostgreSQL ${older}, and this Darkroom runs PostgreSQL ${bundledMajorVersion()}`,
		)
		expect(output).toContain('npm run backup')
		expect(output).toContain('npm run restore')
		expect(fs.readdirSync(clusterDir)).toEqual(['PG_VERSION'])
	})
})
