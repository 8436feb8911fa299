import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, test } from 'vitest'
import { freePort } from '#db/embedded'
import { register, uploadFile, waitForTerminal } from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// No container engine runs here, so the Dockerfile keeps its steps in
// scripts/docker/*.sh; this runs those same scripts in a clean clone and
// smoke-tests the result: start, upload, reach completed.

const root = path.resolve(import.meta.dirname, '../..')
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-container-'))
fs.chmodSync(workDir, 0o755)
const clone = path.join(workDir, 'app')

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }))

// Asynchronous: a synchronous exec would block vitest's worker for minutes.
const exec = promisify(execFile)

async function run(script: string) {
	await exec('sh', [script], {
		cwd: clone,
		env: { ...cleanEnv(), NODE_ENV: 'production' },
		timeout: 480_000,
		maxBuffer: 64 * 1024 * 1024,
	})
}

/** The environment a container would have: none of the test run's settings. */
function cleanEnv() {
	return Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) =>
				!key.startsWith('VITEST') &&
				!['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY', 'LOG_LEVEL', 'NODE_ENV'].includes(key),
		),
	)
}

test(
	'install.sh, build.sh and start.sh produce a working Darkroom from a clean clone',
	{ timeout: 600_000 },
	async () => {
		await exec('git', ['clone', '--quiet', root, clone])
		await run('scripts/docker/install.sh')
		await run('scripts/docker/build.sh')
		expect(fs.existsSync(path.join(clone, 'build/server/index.js'))).toBe(true)
		// Production dependencies only.
		expect(fs.existsSync(path.join(clone, 'node_modules/vitest'))).toBe(false)
		expect(fs.existsSync(path.join(clone, 'node_modules/@remix-run/dev'))).toBe(false)

		const port = await freePort()
		const dataDir = path.join(workDir, 'data')
		const app = spawn('sh', ['scripts/docker/start.sh'], {
			cwd: clone,
			env: {
				...cleanEnv(),
				NODE_ENV: 'production',
				DATA_DIR: dataDir,
				PORT: String(port),
				HOST: '127.0.0.1',
				LOG_LEVEL: 'warn',
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		})
		let output = ''
		app.stdout.on('data', (c) => (output += c))
		app.stderr.on('data', (c) => (output += c))
		const exited = new Promise<number | null>((resolve) => app.on('exit', resolve))
		const baseUrl = `http://127.0.0.1:${port}`
		try {
			for (let i = 0; ; i++) {
				const ok = await fetch(`${baseUrl}/api/health`).then(
					(r) => r.ok,
					() => false,
				)
				if (ok) break
				if (i > 300 || app.exitCode !== null) throw new Error(`did not start:\n${output}`)
				await new Promise((r) => setTimeout(r, 200))
			}
			const { token } = await register(baseUrl)
			const response = await uploadFile(baseUrl, token, await smallJpeg(), 'smoke.jpg')
			expect(response.status).toBe(202)
			const { id } = (await response.json()) as { id: string }
			const image = await waitForTerminal(baseUrl, token, id)
			expect(image.overallStatus).toBe('completed')
			const thumbnail = await fetch(image.variants.thumbnail!.url)
			expect(thumbnail.status).toBe(200)
			expect(thumbnail.headers.get('content-type')).toBe('image/webp')
		} finally {
			app.kill('SIGTERM')
			expect(await exited).toBe(0)
		}
	},
)
