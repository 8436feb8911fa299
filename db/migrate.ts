import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import { Logger, runMigrations } from 'graphile-worker'
import postgres from 'postgres'

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/**
 * The database was migrated by a newer Darkroom. Migrations are additive within
 * a release, but not across them, and this code cannot know what a later one
 * changed: it stops before running anything (decision 024).
 */
export class NewerSchemaError extends Error {
	constructor(
		readonly databaseLevel: number,
		readonly knownLevel: number,
	) {
		super(
			`This database was migrated by a newer Darkroom: its schema is at level ${databaseLevel}, and this Darkroom knows levels up to ${knownLevel}. ` +
				'It stops here rather than run on a schema it does not know. Start the newer Darkroom again, ' +
				'or restore a backup taken before the upgrade into an empty database (`npm run restore`). Nothing was changed.',
		)
		this.name = 'NewerSchemaError'
	}
}

/**
 * Applies our drizzle migrations and graphile-worker's own schema. Safe to run concurrently.
 * Refuses (NewerSchemaError) a database a newer Darkroom has migrated, before running anything.
 * `adminEmails` (ADMIN_EMAILS): those of these accounts that exist now become
 * admins; the ones promoted by this call are returned, for the log. An address
 * registered later stays an ordinary user (decision 011).
 */
export async function migrateDatabase(url: string, { adminEmails = [] as string[] } = {}) {
	const client = postgres(url, { max: 1, onnotice: () => {} })
	try {
		// Serialise concurrent starts (web and worker booting together).
		await client`select pg_advisory_lock(7263540)`
		await refuseNewerSchema(client)
		await migrate(drizzle(client), { migrationsFolder })
		await runMigrations({ connectionString: url, logger: silentLogger })
		if (adminEmails.length === 0) return { promotedAdmins: [] }
		const promotedAdmins = await client<Array<{ id: string; email: string }>>`
			update users set role = 'admin'
			where email = any(${adminEmails}::text[]) and role <> 'admin'
			returning id, email`
		return { promotedAdmins: [...promotedAdmins] }
	} finally {
		await client`select pg_advisory_unlock(7263540)`.catch(() => {})
		await client.end()
	}
}

/**
 * The schema level is the number of our migrations applied. drizzle records each
 * one in drizzle.__drizzle_migrations with its journal timestamp, and runs only
 * those newer than the newest recorded: a row newer than anything in our journal
 * comes from a migration this code does not have.
 */
async function refuseNewerSchema(client: postgres.Sql) {
	const [table] = await client<[{ name: string | null }]>`
		select to_regclass('drizzle.__drizzle_migrations')::text as name`
	if (!table.name) return
	const known = readMigrationFiles({ migrationsFolder })
	const newestKnown = Math.max(...known.map((migration) => migration.folderMillis))
	const applied = await client<Array<{ createdAt: string }>>`
		select created_at::text as "createdAt" from drizzle.__drizzle_migrations`
	if (applied.some((row) => Number(row.createdAt) > newestKnown)) {
		throw new NewerSchemaError(applied.length, known.length)
	}
}

const silentLogger = new Logger(() => () => {})
