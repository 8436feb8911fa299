import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import { Logger, runMigrations } from 'graphile-worker'
import postgres from 'postgres'

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** Applies our drizzle migrations and graphile-worker's own schema. Safe to run concurrently. */
export async function migrateDatabase(url: string) {
	const client = postgres(url, { max: 1, onnotice: () => {} })
	try {
		// Serialise concurrent starts (web and worker booting together).
		await client`select pg_advisory_lock(7263540)`
		await migrate(drizzle(client), { migrationsFolder })
		await runMigrations({ connectionString: url, logger: silentLogger })
	} finally {
		await client`select pg_advisory_unlock(7263540)`.catch(() => {})
		await client.end()
	}
}

const silentLogger = new Logger(() => () => {})
