import { sql } from 'drizzle-orm'
import { db } from '#app/db.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'

type Check = 'ok' | 'failing'

async function probe(name: string, run: () => Promise<unknown>): Promise<Check> {
	try {
		await Promise.race([
			run(),
			new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000)),
		])
		return 'ok'
	} catch (error) {
		log.warn({ err: error, check: name }, 'Health check failing')
		return 'failing'
	}
}

/** Database, storage and queue, each probed with a short timeout. */
export async function checkHealth() {
	const [database, storageCheck, queue] = await Promise.all([
		probe('database', () => db.execute(sql`select 1`)),
		probe('storage', () => storage.check()),
		probe('queue', () => db.execute(sql`select 1 from graphile_worker.jobs limit 1`)),
	])
	const checks = { database, storage: storageCheck, queue }
	const failing = Object.entries(checks)
		.filter(([, state]) => state !== 'ok')
		.map(([name]) => name)
	return failing.length === 0
		? { status: 'ok' as const, checks }
		: { status: 'failing' as const, failing, checks }
}
