import fs from 'node:fs'
import path from 'node:path'
import postgres from 'postgres'
import { startEmbeddedPostgres } from '#db/embedded'
import { migrateDatabase } from '#db/migrate'
import { childPids } from './proc'

// One embedded PostgreSQL for the whole run. Each section gets its own
// database cloned from a migrated template, so rows and queued jobs of one
// section never weigh on another.

export type Sql = postgres.Sql

export type Cluster = {
	/** A fresh migrated database: its URL and a bench-side client for it. */
	createDatabase(name: string): Promise<{ url: string; sql: Sql }>
	version: string
	/** The postmaster and its backends, for CPU accounting. */
	pids(): number[]
	stop(): Promise<void>
}

const TEMPLATE = 'bench_template'

export async function startCluster(root: string): Promise<Cluster> {
	const dataDir = path.join(root, 'pg')
	let pg = await startEmbeddedPostgres(dataDir)
	// Commit timestamps let the queue-latency section read an upload's exact
	// commit time from the database; the setting needs a restart.
	await withClient(adminUrl(pg.url), (sql) => sql`alter system set track_commit_timestamp = on`)
	await pg.stop()
	pg = await startEmbeddedPostgres(dataDir)
	const admin = adminUrl(pg.url)
	const version = await withClient(admin, async (sql) => {
		await sql.unsafe(`create database ${TEMPLATE}`)
		const [row] = await sql<
			{ version: string }[]
		>`select current_setting('server_version') as version`
		return row!.version
	})
	await migrateDatabase(databaseUrl(admin, TEMPLATE))
	const clients: Sql[] = []
	// startEmbeddedPostgres keeps the cluster in <dataDir>/postgres.
	const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid')
	return {
		version,
		pids() {
			const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
			return [postmaster, ...childPids(postmaster)]
		},
		async createDatabase(name) {
			await withClient(admin, (sql) => sql.unsafe(`create database ${name} template ${TEMPLATE}`))
			const url = databaseUrl(admin, name)
			const sql = connect(url, 4)
			clients.push(sql)
			return { url, sql }
		},
		async stop() {
			await Promise.all(clients.map((sql) => sql.end({ timeout: 2 })))
			await pg.stop()
		},
	}
}

export function connect(url: string, max: number): Sql {
	return postgres(url, { max, onnotice: () => {} })
}

const adminUrl = (url: string) => databaseUrl(url, 'postgres')

function databaseUrl(url: string, name: string) {
	return url.replace(/\/[^/]+$/, `/${name}`)
}

async function withClient<T>(url: string, work: (sql: Sql) => Promise<T>): Promise<T> {
	const sql = connect(url, 1)
	try {
		return await work(sql)
	} finally {
		await sql.end({ timeout: 2 })
	}
}

/** application_name of every connection in this database that waits for jobs (graphile-worker's LISTEN). */
export async function listeningApplications(sql: Sql): Promise<Set<string>> {
	const rows = await sql<{ name: string }[]>`
		select distinct application_name as name from pg_stat_activity
		where datname = current_database() and query like 'LISTEN "jobs:insert"%'`
	return new Set(rows.map((row) => row.name))
}
