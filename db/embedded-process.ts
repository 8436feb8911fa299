import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import { startEmbeddedPostgres } from './embedded'

// The embedded PostgreSQL's own process, spawned by `startEmbeddedPostgresApart`
// (db/embedded.ts) in a process group of its own. It stops PostgreSQL when told
// to, or when the process that started it is gone (the IPC channel closes).

export type EmbeddedProcessMessage = { url: string } | { error: string }

const send = (message: EmbeddedProcessMessage) => process.send?.(message)

// No config module here: this process stays small (it lives as long as Darkroom).
const [dataDir, drainSeconds] = process.argv.slice(2)
if (!dataDir || !drainSeconds || !process.send) {
	console.error('Usage: spawned by startEmbeddedPostgresApart, with an IPC channel.')
	process.exit(2)
}

try {
	const embedded = await startEmbeddedPostgres(dataDir)
	let stopping: Promise<void> | undefined
	const stop = (first?: () => Promise<void>) => {
		stopping ??= (first?.() ?? Promise.resolve())
			.then(() => embedded.stop())
			.finally(() => process.exit(0))
	}
	// Told to: the launcher has already waited for its web and worker processes.
	process.on('message', (message) => {
		if (message === 'stop') stop()
	})
	process.on('SIGTERM', () => stop())
	// The launcher died (SIGKILL, crash): its children notice too and drain;
	// let them finish with the database first.
	process.on('disconnect', () =>
		stop(() => untilNoClients(embedded.url, Number(drainSeconds) * 1000)),
	)
	send({ url: embedded.url })
} catch (error) {
	send({ error: (error as Error).message })
	process.exit(1)
}

/** Resolves once no other client is connected, or after `timeoutMs`. */
async function untilNoClients(url: string, timeoutMs: number) {
	const sql = postgres(url, { max: 1, onnotice: () => {} })
	const deadline = Date.now() + timeoutMs
	try {
		while (Date.now() < deadline) {
			const [row] = await sql<[{ clients: number }]>`
				select count(*)::int as clients from pg_stat_activity
				where backend_type = 'client backend' and pid <> pg_backend_pid()`
			if (row.clients === 0) return
			await sleep(200)
		}
		console.error(
			`Stopping the embedded PostgreSQL with clients still connected after ${timeoutMs / 1000} s.`,
		)
	} catch (error) {
		console.error(`Stopping the embedded PostgreSQL: ${(error as Error).message}`)
	} finally {
		await sql.end({ timeout: 1 })
	}
}
