import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import { Logger, runMigrations } from 'graphile-worker'
import postgres from 'postgres'

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/**
 * Applies our drizzle migrations and graphile-worker's own schema. Safe to run concurrently.
 * `adminEmails` (ADMIN_EMAILS): those of these accounts that exist now become
 * admins; the ones promoted by this call are returned, for the log. An address
 * registered later stays an ordinary user (decision 011).
 */
export async function migrateDatabase(url: string, { adminEmails = [] as string[] } = {}) {
	const client = postgres(url, { max: 1, onnotice: () => {} })
	try {
		// Serialise concurrent starts (web and worker booting together).
		await client`select pg_advisory_lock(7263540)`
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

const silentLogger = new Logger(() => () => {})
