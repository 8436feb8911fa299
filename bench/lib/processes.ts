import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '#db/embedded'
import { listeningApplications, type Sql } from './database'
import { sleep } from './stats'

// The real Darkroom processes, started as production starts them
// (server/start.ts --only=web|worker), plus the raw-pipeline child. The pid we
// hold is node itself, so SIGTERM reaches it and /proc/<pid> is its memory.

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 15_000
const KEPT_LINES = 200

export type Child = {
	pid: number
	output: () => string
	hasExited: () => boolean
	stop: () => Promise<void>
}

export type Web = Child & { baseUrl: string }

const running = new Set<ChildProcess>()

/** Last resort when the bench itself dies: nothing it started may outlive it. */
export function killAllChildren() {
	for (const child of running) child.kill('SIGKILL')
}

/** Environment every process under test gets: the section's database and data dir, plus overrides. */
export type AppEnv = { DATABASE_URL: string; DATA_DIR: string } & Record<string, string>

export function spawnNode(args: string[], env: Record<string, string>, name: string): Child {
	const child = spawn(process.execPath, ['--import', 'tsx', ...preload(env), ...args], {
		cwd: root,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	running.add(child)
	const lines: string[] = []
	for (const stream of [child.stdout!, child.stderr!]) {
		stream.setEncoding('utf8')
		stream.on('data', (chunk: string) => {
			lines.push(...chunk.split('\n').filter(Boolean))
			if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES)
		})
	}
	let exited = false
	const exitedPromise = new Promise<void>((resolve) =>
		child.once('exit', () => {
			exited = true
			running.delete(child)
			resolve()
		}),
	)
	return {
		pid: child.pid!,
		output: () => `[${name}]\n${lines.join('\n')}`,
		hasExited: () => exited,
		stop: async () => {
			if (exited) return
			const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
			child.kill('SIGTERM')
			await exitedPromise
			clearTimeout(killer)
		},
	}
}

/**
 * Extra node flags for experiments: sharp's cache and thread count have no
 * app setting, so a preload changes them; another reports memoryUsage() for
 * the memory section; BENCH_NODE_FLAGS passes flags that NODE_OPTIONS
 * refuses, such as --cpu-prof.
 */
function preload(env: Record<string, string>): string[] {
	const flags = env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
	const module = (name: string) => ['--import', path.join(root, 'bench/lib', name)]
	if (env.BENCH_SHARP_CACHE || env.BENCH_SHARP_CONCURRENCY)
		flags.push(...module('preload-sharp.ts'))
	if (env.BENCH_MEMORY_FILE) flags.push(...module('preload-memory.ts'))
	return flags
}

export async function startWeb(env: AppEnv): Promise<Web> {
	for (let attempt = 1; ; attempt++) {
		const port = await freePort()
		const child = spawnNode(
			['server/start.ts', '--only=web'],
			{ ...env, PORT: String(port), HOST: '127.0.0.1' },
			'web',
		)
		const baseUrl = `http://127.0.0.1:${port}`
		try {
			await waitUntil(child, async () => {
				const response = await fetch(`${baseUrl}/api/health`).catch(() => undefined)
				await response?.body?.cancel()
				return response?.status === 200
			})
			return { ...child, baseUrl }
		} catch (error) {
			if (attempt >= 3) throw error
			// Another process may take the free port between our probe and the bind.
			if (child.output().includes('EADDRINUSE')) continue
			// Someone else's `npm run build` may be replacing build/ right now.
			if (child.output().includes(BUILD_ENTRY) && (await buildAppears())) continue
			throw error
		}
	}
}

const BUILD_ENTRY = 'build/server/index.js'

async function buildAppears() {
	const deadline = Date.now() + START_TIMEOUT_MS
	while (!fs.existsSync(path.join(root, BUILD_ENTRY))) {
		if (Date.now() > deadline) return false
		await sleep(500)
	}
	// Let the build finish writing its other files.
	await sleep(2000)
	return true
}

let workerSequence = 0

/**
 * Starts `count` worker processes and waits until each one is listening for
 * jobs. LOG_LEVEL=warn hides "Worker started", so readiness is read from
 * pg_stat_activity instead: each worker connects with its own
 * application_name, and a LISTEN connection under that name means its
 * runners are up.
 */
export async function startWorkers(count: number, env: AppEnv, sql: Sql): Promise<Child[]> {
	const names = Array.from({ length: count }, () => `bench-worker-${++workerSequence}`)
	const workers = names.map((name) =>
		spawnNode(
			['server/start.ts', '--only=worker'],
			{ ...env, DATABASE_URL: withApplicationName(env.DATABASE_URL, name) },
			name,
		),
	)
	const deadline = Date.now() + START_TIMEOUT_MS
	for (;;) {
		const listening = await listeningApplications(sql)
		if (names.every((name) => listening.has(name))) return workers
		const dead = workers.find((worker) => worker.hasExited())
		if (dead) throw new Error(`A worker exited while starting:\n${dead.output()}`)
		if (Date.now() > deadline) {
			await Promise.all(workers.map((worker) => worker.stop()))
			throw new Error(`Workers not listening after ${START_TIMEOUT_MS / 1000} s`)
		}
		await sleep(100)
	}
}

function withApplicationName(url: string, name: string) {
	const parsed = new URL(url)
	parsed.searchParams.set('application_name', name)
	return parsed.toString()
}

async function waitUntil(child: Child, ready: () => Promise<boolean>) {
	const deadline = Date.now() + START_TIMEOUT_MS
	while (Date.now() < deadline) {
		if (child.hasExited()) throw new Error(`A process exited while starting:\n${child.output()}`)
		if (await ready()) return
		await sleep(100)
	}
	await child.stop()
	throw new Error(`Not ready after ${START_TIMEOUT_MS / 1000} s:\n${child.output()}`)
}

/** Runs a bench script to completion in a child with the app's environment; resolves with its stdout. */
export function runNode(
	args: string[],
	env: Record<string, string>,
	name: string,
): Promise<string> {
	return runProgram(process.execPath, ['--import', 'tsx', ...preload(env), ...args], env, name)
}

/** Any program to completion, with the app's environment (allocator included); resolves with its stdout. */
export function runProgram(
	command: string,
	args: string[],
	env: Record<string, string>,
	name: string,
): Promise<string> {
	const child = spawn(command, args, {
		cwd: root,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	running.add(child)
	let stdout = ''
	let stderr = ''
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
	return new Promise((resolve, reject) => {
		child.once('error', reject)
		child.once('exit', (code) => {
			running.delete(child)
			if (code === 0) resolve(stdout)
			else reject(new Error(`${name} exited with ${code}:\n${stderr.slice(-2000)}`))
		})
	})
}
