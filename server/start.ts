import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { allocatorEnv } from './allocator'

// One entry point for every way Darkroom runs:
//   (no flag)       web + worker as two child processes (a single box)
//   --only=web      the HTTP server alone
//   --only=worker   the job worker alone
//   --dev           web with Vite's dev middleware, plus a worker
// Each process makes sure the database exists and is migrated first, so the
// embedded PostgreSQL (no DATABASE_URL) is started by whoever comes first.

const args = process.argv.slice(2)
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const dev = args.includes('--dev')
if (only && only !== 'web' && only !== 'worker') {
	console.error(`Unknown --only=${only}; use --only=web or --only=worker.`)
	process.exit(1)
}
if (dev) process.env.NODE_ENV ??= 'development'

const { config, getSecretKey } = await import('#app/config.server')
const { startEmbeddedPostgresApart } = await import('#db/embedded')
const { migrateDatabase, NewerSchemaError } = await import('#db/migrate')
const { log } = await import('#app/log.server')

const graceMs = config.shutdownGraceSeconds * 1000
let stopping = false
const shutdownSteps: Array<() => Promise<void>> = []
// Stopped last, once nothing uses it any more; set when this process starts one.
let stopDatabase = async () => {}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
	process.on(signal, () => void shutdown(0, signal))
}
// A child of `npm start` (spawnSelf) does not outlive its parent, even one killed with SIGKILL.
if (only && process.send) {
	process.on('disconnect', () => {
		log.warn('The launching process is gone; stopping')
		void shutdown(1)
	})
}

getSecretKey()
const embedded = config.databaseUrl
	? undefined
	: await startEmbeddedPostgresApart(config.dataDir, {
			// The children's own grace period, and a margin to exit.
			drainSeconds: config.shutdownGraceSeconds + 10,
		}).catch((error: Error) => {
			console.error(error.message)
			process.exit(1)
		})
if (embedded) stopDatabase = embedded.stop
const { promotedAdmins } = await migrateDatabase(config.databaseUrl ?? embedded!.url, {
	adminEmails: config.adminEmails,
}).catch(async (error: unknown) => {
	if (!(error instanceof NewerSchemaError)) throw error
	// An older Darkroom on a newer schema: say so and touch nothing.
	console.error(error.message)
	await stopDatabase()
	process.exit(1)
})
for (const user of promotedAdmins) {
	log.warn(
		{ userId: user.id, email: user.email },
		'ADMIN_EMAILS made this existing account an admin',
	)
}

if (only === 'web') {
	const { startWeb, drainWeb } = await import('./web')
	const { stopTracing } = await import('#app/tracing.server')
	const server = await startWeb({ dev })
	onShutdown(async () => {
		log.info({ graceSeconds: graceMs / 1000 }, 'Web stopping')
		const { forced } = await drainWeb(server, graceMs)
		if (forced) log.warn('Requests still running after the grace period were cut off')
		await stopTracing()
		log.info('Web stopped')
	})
} else if (only === 'worker') {
	const { startWorker } = await import('#worker/index')
	const worker = await startWorker()
	onShutdown(async () => {
		await worker.stop(graceMs)
	})
	worker.promise.then(
		() => {
			if (stopping) return
			log.fatal('Worker stopped unexpectedly')
			process.exit(1)
		},
		(error: unknown) => {
			if (stopping) return
			log.fatal({ err: error }, 'Worker stopped unexpectedly')
			process.exit(1)
		},
	)
} else {
	const children = [spawnSelf('web'), spawnSelf('worker')]
	onShutdown(async () => {
		// Both drain at once; PostgreSQL is stopped only after both have exited.
		const codes = await Promise.all(children.map((child) => stopChild(child)))
		if (codes.some((code) => code !== 0)) process.exitCode = 1
	})
	for (const child of children) {
		child.on('exit', (code, signal) => {
			if (stopping) return
			log.fatal({ pid: child.pid, code, signal }, 'A Darkroom process exited; stopping the rest')
			void shutdown(1)
		})
	}
}

function spawnSelf(role: 'web' | 'worker'): ChildProcess {
	const entry = fileURLToPath(import.meta.url)
	return spawn(
		process.execPath,
		['--import', 'tsx', entry, `--only=${role}`, ...(dev ? ['--dev'] : [])],
		{
			// The IPC channel closes when this process ends, however it ends.
			stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
			cwd: path.resolve(path.dirname(entry), '..'),
			// MALLOC_ARENA_MAX=2 and jemalloc when installed, as in the container: both
			// are read at process start, so only a child can get them (allocator.ts).
			env: { ...process.env, ...allocatorEnv(process.env), DARKROOM_PROCESS: role },
		},
	)
}

/** SIGTERM, then the child's own grace period plus a margin before SIGKILL; resolves with its exit code. */
function stopChild(child: ChildProcess): Promise<number | null> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), graceMs + 10_000)
		child.once('exit', (code) => {
			clearTimeout(timer)
			resolve(code)
		})
		child.kill('SIGTERM')
	})
}

function onShutdown(step: () => Promise<void>) {
	shutdownSteps.push(step)
}

async function shutdown(code: number, signal?: NodeJS.Signals) {
	if (stopping) return
	stopping = true
	if (signal) log.info({ signal }, 'Shutting down')
	for (const step of shutdownSteps) {
		await step().catch((error: unknown) => log.error({ err: error }, 'Error during shutdown'))
	}
	// Last: web and worker (here or in the children) are done with the database.
	await stopDatabase()
	process.exit(process.exitCode ?? code)
}
