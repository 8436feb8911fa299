import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { freePort } from '#db/embedded'

const root = path.resolve(import.meta.dirname, '../..')

/** The embedded PostgreSQL runs as OS user `postgres` when we are root, else as us. */
function postgresUid() {
	if (process.getuid?.() !== 0) return process.getuid?.()
	return Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
}

/** Runs `server/start.ts` with a clean environment plus `env`. */
function start(args: string[], env: Record<string, string>) {
	const base = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) => !['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY', 'LOG_LEVEL'].includes(key),
		),
	)
	const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts', ...args], {
		cwd: root,
		env: { ...base, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
	})
	let output = ''
	child.stdout.on('data', (chunk) => (output += chunk))
	child.stderr.on('data', (chunk) => (output += chunk))
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
	return { child, exited, output: () => output }
}

async function waitForHealth(url: string, exited: Promise<unknown>) {
	// A flag, not a race against a resolved promise: that one always wins.
	let hasExited = false
	void exited.then(() => (hasExited = true))
	for (let i = 0; i < 300; i++) {
		if (hasExited) throw new Error('process exited before it was healthy')
		const ok = await fetch(`${url}/api/health`)
			.then((r) => r.ok)
			.catch(() => false)
		if (ok) return
		await new Promise((r) => setTimeout(r, 200))
	}
	throw new Error('not healthy in time')
}

describe('configuration is validated at start', () => {
	test.each([
		[{ PORT: 'eighty' }, 'PORT'],
		[{ MAX_UPLOAD_BYTES: '-5' }, 'MAX_UPLOAD_BYTES'],
		[{ DATABASE_URL: 'mysql://nope' }, 'DATABASE_URL'],
		[{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET'],
		[{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
		[{ SECRET_KEY_PREVIOUS: 'short' }, 'SECRET_KEY_PREVIOUS'],
	])('%o stops the process naming %s', async (env, name) => {
		const run = start(['--only=web'], {
			DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'dr-')),
			...env,
		})
		expect(await run.exited).toBe(1)
		expect(run.output()).toContain(name)
		expect(run.output()).toContain('Invalid configuration')
	})
})

describe('embedded defaults', () => {
	test('with no DATABASE_URL it runs on an embedded PostgreSQL whose data survives a restart, even one whose postmaster.pid names a live stranger', async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-embedded-'))
		fs.chmodSync(dataDir, 0o755)
		const port = await freePort()
		const url = `http://127.0.0.1:${port}`
		const email = `restart-${Date.now()}@example.com`
		const credentials = JSON.stringify({ email, password: 'survives restarts' })
		const headers = { 'Content-Type': 'application/json' }

		const first = start([], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' })
		try {
			await waitForHealth(url, first.exited)
			const registered = await fetch(`${url}/api/auth/register`, {
				method: 'POST',
				headers,
				body: credentials,
			})
			expect(registered.status).toBe(201)
		} finally {
			first.child.kill('SIGTERM')
			await first.exited
		}
		expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true)
		// As after a power loss: the lock file survives, and its PID now belongs to
		// another live process of the user PostgreSQL runs as (PostgreSQL takes any
		// such process for a postmaster still running).
		const stranger = spawn('sleep', ['300'], { uid: postgresUid() })
		fs.writeFileSync(
			path.join(dataDir, 'postgres', 'postmaster.pid'),
			`${stranger.pid}\n${path.join(dataDir, 'postgres')}\n${Math.floor(Date.now() / 1000)}\n5432\n\n127.0.0.1\n  5432001  0\nready   \n`,
		)

		const second = start([], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' })
		try {
			await waitForHealth(url, second.exited)
			const login = await fetch(`${url}/api/auth/login`, {
				method: 'POST',
				headers,
				body: credentials,
			})
			expect(login.status).toBe(200)
		} finally {
			second.child.kill('SIGTERM')
			await second.exited
			stranger.kill()
			fs.rmSync(dataDir, { recursive: true, force: true })
		}
	})
})
