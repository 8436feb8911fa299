import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { z } from 'zod'
import type { userSchema } from '#app/auth/schemas'
import type { imageDetailSchema, imageListItemSchema, imageListSchema } from '#app/images/schemas'
import { freePort } from '#db/embedded'

// Runs the real Darkroom processes (server/start.ts) for a test file. They
// inherit the file's DATABASE_URL, DATA_DIR and SECRET_KEY from setup-file.ts,
// so the test can look at the same database and storage directory.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 10_000
const KEPT_OUTPUT_LINES = 400

export type AppProcess = {
	pid: number
	/** The child's captured stdout and stderr (the last lines), for failure messages. */
	output: () => string
	/** Parsed pino JSON lines seen so far on stdout. */
	logs: () => Array<Record<string, unknown>>
	hasExited: () => boolean
	/** Settles when the process exits, with its exit code or the signal that ended it. */
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
	stop: () => Promise<void>
}

export type WebProcess = AppProcess & { baseUrl: string }

const running = new Set<ChildProcess>()
// A crashed test file must not leave servers behind holding its database.
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL')
})

/** Starts `server/start.ts --only=web` and resolves once GET /api/health answers 200. */
export async function startWeb(env: Record<string, string> = {}): Promise<WebProcess> {
	ensureBuild()
	for (let attempt = 1; ; attempt++) {
		const port = await freePort()
		const child = spawnApp('web', { PORT: String(port), HOST: '127.0.0.1', ...env })
		const baseUrl = `http://127.0.0.1:${port}`
		try {
			await waitUntil(child, async () => {
				const response = await fetch(`${baseUrl}/api/health`).catch(() => undefined)
				await response?.body?.cancel()
				return response?.status === 200
			})
			return { ...child, baseUrl }
		} catch (error) {
			// Another test file may take the free port between our probe and the bind.
			if (attempt < 3 && child.output().includes('EADDRINUSE')) continue
			throw error
		}
	}
}

/** Starts `server/start.ts --only=worker` and resolves once it logs "Worker started". */
export async function startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
	const child = spawnApp('worker', env)
	await waitUntil(child, async () => child.logs().some((line) => line.msg === 'Worker started'))
	return child
}

function spawnApp(role: 'web' | 'worker', env: Record<string, string>): AppProcess {
	// process.execPath, not npx: the pid we hold is the server itself, so SIGTERM reaches it.
	const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts', `--only=${role}`], {
		cwd: root,
		env: { ...childEnv(), LOG_LEVEL: 'info', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	running.add(child)
	const lines: string[] = []
	const logs: Array<Record<string, unknown>> = []
	const echo = Boolean(process.env.TEST_LOG_LEVEL)
	const collect = (stream: NodeJS.ReadableStream, isStdout: boolean) => {
		let rest = ''
		stream.setEncoding('utf8')
		stream.on('data', (chunk: string) => {
			if (echo) process.stderr.write(`[${role}] ${chunk}`)
			const parts = (rest + chunk).split('\n')
			rest = parts.pop() ?? ''
			for (const line of parts) {
				lines.push(line)
				if (lines.length > KEPT_OUTPUT_LINES) lines.shift()
				if (isStdout && line.startsWith('{')) {
					try {
						logs.push(JSON.parse(line) as Record<string, unknown>)
					} catch {
						// Not a log line; kept in `lines` only.
					}
				}
			}
		})
	}
	collect(child.stdout!, true)
	collect(child.stderr!, false)
	let exited = false
	const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
		(resolve) => {
			child.once('exit', (code, signal) => {
				exited = true
				running.delete(child)
				resolve({ code, signal })
			})
		},
	)
	return {
		pid: child.pid!,
		output: () => lines.join('\n'),
		logs: () => logs,
		hasExited: () => exited,
		exited: exitedPromise,
		stop: async () => {
			if (exited) return
			const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
			child.kill('SIGTERM')
			await exitedPromise
			clearTimeout(killer)
		},
	}
}

/** The test's environment minus vitest's own variables, which would change how the app behaves. */
function childEnv(): NodeJS.ProcessEnv {
	return Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
	) as NodeJS.ProcessEnv
}

async function waitUntil(child: AppProcess, ready: () => Promise<boolean>) {
	const deadline = Date.now() + START_TIMEOUT_MS
	while (Date.now() < deadline) {
		if (child.hasExited()) {
			throw new Error(`The Darkroom process exited while starting:\n${child.output()}`)
		}
		if (await ready()) return
		await sleep(100)
	}
	await child.stop()
	throw new Error(
		`The Darkroom process was not ready after ${START_TIMEOUT_MS / 1000} s:\n${child.output()}`,
	)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The web server serves build/. `npm test` builds first; a bare `vitest run`
 * on a fresh clone builds here once, with a lock because test files start in parallel.
 */
function ensureBuild() {
	const marker = path.join(root, 'build/server/index.js')
	if (fs.existsSync(marker)) return
	const lock = path.join(root, '.test-build.lock')
	for (;;) {
		try {
			fs.mkdirSync(lock)
			break
		} catch {
			// Someone else is building; a lock older than 5 minutes is from a dead run.
			const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0)
			if (age > 5 * 60_000) fs.rmSync(lock, { recursive: true, force: true })
			else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
			if (fs.existsSync(marker)) return
		}
	}
	try {
		if (fs.existsSync(marker)) return
		const result = spawnSync(
			process.execPath,
			[path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'vite:build'],
			// The Remix plugin is off under VITEST (vite.config.ts), so drop those variables.
			{ cwd: root, env: { ...childEnv(), NODE_ENV: 'production' }, encoding: 'utf8' },
		)
		if (result.status !== 0) {
			throw new Error(`remix vite:build failed:\n${result.stdout}\n${result.stderr}`)
		}
	} finally {
		fs.rmSync(lock, { recursive: true, force: true })
	}
}

// ---------------------------------------------------------------------------
// A small API client: just enough to drive the contract from tests.

// The API's own schemas give the shapes: a test reads what the document says.
export type User = z.output<typeof userSchema>
export type ImageDetail = z.output<typeof imageDetailSchema>
export type ImageListItem = z.output<typeof imageListItemSchema>
export type ImageList = z.output<typeof imageListSchema>

export const randomEmail = () => `user-${randomUUID()}@example.test`

/** `fetch` against the app with an optional bearer token and JSON body. */
export function api(
	baseUrl: string,
	pathname: string,
	{ token, json, ...init }: RequestInit & { token?: string; json?: unknown } = {},
): Promise<Response> {
	const headers = new Headers(init.headers)
	if (token) headers.set('Authorization', `Bearer ${token}`)
	if (json !== undefined) headers.set('Content-Type', 'application/json')
	return fetch(new URL(pathname, baseUrl), {
		redirect: 'manual',
		...init,
		headers,
		body: json !== undefined ? JSON.stringify(json) : init.body,
	})
}

export async function register(
	baseUrl: string,
	email = randomEmail(),
	password = 'correct horse battery',
): Promise<{ token: string; user: User; email: string; password: string }> {
	const response = await api(baseUrl, '/api/auth/register', {
		method: 'POST',
		json: { email, password },
	})
	if (response.status !== 201) {
		throw new Error(`register answered ${response.status}: ${await response.text()}`)
	}
	const body = (await response.json()) as { token: string; user: User }
	return { token: body.token, user: body.user, email, password }
}

/** POST /api/images with one `file` part, as a browser or API client would send it. */
export function uploadFile(
	baseUrl: string,
	token: string,
	bytes: Uint8Array,
	filename: string,
	headers: Record<string, string> = {},
	{ type = 'application/octet-stream', path: uploadPath = '/api/images' } = {},
): Promise<Response> {
	const form = new FormData()
	form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), filename)
	return api(baseUrl, uploadPath, { method: 'POST', token, headers, body: form })
}

export async function getImage(baseUrl: string, token: string, id: string): Promise<ImageDetail> {
	const response = await api(baseUrl, `/api/images/${id}`, { token })
	if (response.status !== 200) {
		throw new Error(`GET /api/images/${id} answered ${response.status}: ${await response.text()}`)
	}
	return (await response.json()) as ImageDetail
}

const TERMINAL = new Set(['completed', 'partial', 'failed'])

/** Polls the image every 100 ms until its overallStatus is terminal (60 s at most). */
export async function waitForTerminal(
	baseUrl: string,
	token: string,
	id: string,
	timeoutMs = 60_000,
): Promise<ImageDetail> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const image = await getImage(baseUrl, token, id)
		if (TERMINAL.has(image.overallStatus)) return image
		if (Date.now() > deadline) {
			throw new Error(
				`Image ${id} still ${image.overallStatus} (status ${image.status}, ai ${image.aiStatus}) after ${timeoutMs / 1000} s`,
			)
		}
		await sleep(100)
	}
}

export type Problem = {
	type: string
	title: string
	status: number
	detail: string
	errors?: Array<{ path: string; message: string }>
}

/**
 * Asserts the response is the contract's problem+json with this status and
 * leaks nothing internal (stack frames, SQL, file paths); returns the body.
 */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
	const text = await response.text()
	expect(response.status, text).toBe(status)
	expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json\b/)
	const body = JSON.parse(text) as Problem
	expect(body).toMatchObject({
		type: expect.any(String),
		title: expect.any(String),
		status,
		detail: expect.any(String),
	})
	expect(body.title.length).toBeGreaterThan(0)
	expect(body.detail.length).toBeGreaterThan(0)
	expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\w\.tsx?\b|"stack"/i)
	for (const internalPath of [root, process.env.DATA_DIR]) {
		if (internalPath) expect(text).not.toContain(internalPath)
	}
	expect(text).not.toMatch(
		/\bselect\s.+\sfrom\b|\binsert into\b|\bdelete from\b|\bupdate \w+ set\b/i,
	)
	return body
}

/** Every file under a directory, as sorted paths relative to it; [] if it does not exist. */
export function listFiles(dir: string): string[] {
	if (!fs.existsSync(dir)) return []
	return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
		.filter((entry) => entry.isFile())
		.map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
		.sort()
}
