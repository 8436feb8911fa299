import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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

const { config, getSecretKey } = await import('../app/config.server')
const { startEmbeddedPostgres } = await import('../db/embedded')
const { migrateDatabase } = await import('../db/migrate')

getSecretKey()
const embedded = config.databaseUrl
	? undefined
	: await startEmbeddedPostgres(config.dataDir).catch((error: Error) => {
			console.error(error.message)
			process.exit(1)
		})
await migrateDatabase(config.databaseUrl ?? embedded!.url)

const { log } = await import('../app/log.server')
let stopping = false
const shutdownSteps: Array<() => Promise<void>> = []

if (only === 'web') {
	const { startWeb } = await import('./web')
	const server = await startWeb({ dev })
	onShutdown(async () => {
		await new Promise<void>((resolve) => server.close(() => resolve()))
	})
} else if (only === 'worker') {
	const { startWorker } = await import('../worker/index')
	const runner = await startWorker()
	onShutdown(() => runner.stop())
	runner.promise.catch((error: unknown) => {
		log.fatal({ err: error }, 'Worker stopped unexpectedly')
		process.exit(1)
	})
} else {
	const children = [spawnSelf('web'), spawnSelf('worker')]
	onShutdown(async () => {
		await Promise.all(children.map((child) => stopChild(child)))
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
			stdio: 'inherit',
			cwd: path.resolve(path.dirname(entry), '..'),
			env: { ...process.env, DARKROOM_PROCESS: role },
		},
	)
}

function stopChild(child: ChildProcess) {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
	return new Promise<void>((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
		child.once('exit', () => {
			clearTimeout(timer)
			resolve()
		})
		child.kill('SIGTERM')
	})
}

function onShutdown(step: () => Promise<void>) {
	shutdownSteps.push(step)
}

async function shutdown(code: number) {
	if (stopping) return
	stopping = true
	for (const step of shutdownSteps) {
		await step().catch((error: unknown) => log.error({ err: error }, 'Error during shutdown'))
	}
	await embedded?.stop()
	process.exit(code)
}

process.on('SIGTERM', () => void shutdown(0))
process.on('SIGINT', () => void shutdown(0))
