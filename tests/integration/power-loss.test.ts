import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { freePort } from '#db/embedded'
import { register, uploadFile } from '#tests/support/app'
import { waitFor } from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'

// The whole box dies at once (the `npm start` parent, web, worker and the
// embedded PostgreSQL, SIGKILLed in the middle of a batch) and comes back:
// every accepted image is terminal within 10 s of the restart, each stage
// completed once.

const root = path.resolve(import.meta.dirname, '../..')
const BATCH = 12
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-power-loss-'))
fs.chmodSync(dataDir, 0o755)
// Killed at the end whatever happened, so no test run leaves a PostgreSQL behind.
const killers: Array<() => Promise<void>> = []

afterAll(async () => {
	for (const kill of killers) await kill()
	fs.rmSync(dataDir, { recursive: true, force: true })
})

type Log = Record<string, unknown>

/** `npm start` on the embedded PostgreSQL under dataDir, in a process group of its own. */
async function startBox(port: number) {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) =>
				!['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY'].includes(key) && !key.startsWith('VITEST'),
		),
	)
	const startedAt = Date.now()
	const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
		cwd: root,
		env: {
			...env,
			NODE_ENV: 'test',
			LOG_LEVEL: 'info',
			DATA_DIR: dataDir,
			PORT: String(port),
			HOST: '127.0.0.1',
			AI_PROVIDER: 'none',
			RATE_LIMIT_ENABLED: 'false',
			WORKER_CONCURRENCY: '2',
		},
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	})
	let output = ''
	child.stdout.on('data', (chunk) => (output += chunk))
	child.stderr.on('data', (chunk) => (output += chunk))
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
	const logs = () =>
		output
			.split('\n')
			.filter((line) => line.startsWith('{'))
			.map((line) => JSON.parse(line) as Log)
	const baseUrl = `http://127.0.0.1:${port}`
	let killed: Promise<void> | undefined
	const box = {
		baseUrl,
		logs,
		output: () => output,
		kill: () => (killed ??= killBox(child, exited)),
	}
	killers.push(box.kill)
	await waitFor(
		async () => {
			const response = await fetch(`${baseUrl}/api/health`).catch(() => undefined)
			await response?.body?.cancel()
			return response?.ok && logs().some((line) => line.msg === 'Worker started')
		},
		{ timeoutMs: 60_000, message: () => `npm start to be ready:\n${output}` },
	)
	return { ...box, startedAt, readyAt: Date.now() }
}

/** SIGKILL to every process of the box at once: its group, the PostgreSQL helper's group, every backend. */
async function killBox(launcher: ChildProcess, exited: Promise<void>) {
	const postmaster = postmasterPid()
	const pids = postmaster
		? [postmaster, ...childrenOf(postmaster), ...groupOf(processGroupOf(postmaster))]
		: []
	if (launcher.exitCode === null && launcher.signalCode === null) {
		process.kill(-launcher.pid!, 'SIGKILL')
	}
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL')
		} catch {
			// Already gone.
		}
	}
	await exited
	await waitFor(() => pids.every((pid) => !isRunning(pid)), { message: 'PostgreSQL to be gone' })
}

/** The running postmaster of dataDir; a stale postmaster.pid may name someone else's process. */
function postmasterPid() {
	try {
		const file = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
		const pid = Number(file.split('\n')[0])
		const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
		return commandLine.includes(dataDir) ? pid : undefined
	} catch {
		return undefined
	}
}

const ps = (...args: string[]) =>
	execFileSync('ps', args, { encoding: 'utf8' })
		.split('\n')
		.map((line) => Number(line.trim()))
		.filter((pid) => pid > 0)

const childrenOf = (pid: number) => ps('-o', 'pid=', '--ppid', String(pid))
const processGroupOf = (pid: number) => ps('-o', 'pgid=', '-p', String(pid))[0]!
// PostgreSQL's own process and the helper that started it (db/embedded-process.ts).
const groupOf = (pgid: number) => ps('-o', 'pid=', '-g', String(pgid))

/** Alive and not a zombie (a reparented zombie may wait for a reaper that never comes). */
function isRunning(pid: number) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
		return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
	} catch {
		return false
	}
}

function embeddedDatabase() {
	const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as {
		port: number
		password: string
	}
	return postgres(
		`postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/darkroom`,
		{ max: 1, onnotice: () => {} },
	)
}

const completionsIn = (logs: Log[], imageId: string) =>
	logs.filter((line) => line.msg === 'Image stage completed' && line.imageId === imageId)

describe('a power loss in the middle of a batch', () => {
	test('after the restart every accepted image is terminal within 10 s, each stage completed once', async () => {
		const port = await freePort()
		const first = await startBox(port)
		const { token } = await register(first.baseUrl)
		const photo = await smallJpeg(1600, 1200)
		const responses = await Promise.all(
			Array.from({ length: BATCH }, (_, i) =>
				uploadFile(first.baseUrl, token, photo, `power-${i}.jpg`),
			),
		)
		expect(responses.map((response) => response.status)).toEqual(Array(BATCH).fill(202))
		const accepted = await Promise.all(
			responses.map(async (response) => ((await response.json()) as { id: string }).id),
		)
		// Mid-batch: some images done, the rest pending or being processed.
		await waitFor(() => first.logs().some((line) => line.msg === 'Image stage completed'), {
			message: 'the first image to complete',
		})
		await first.kill()
		const doneBeforeKill = first.logs().filter((line) => line.msg === 'Image stage completed')
		expect(doneBeforeKill.length).toBeLessThan(BATCH)

		const second = await startBox(port)
		const db = embeddedDatabase()
		try {
			const [{ restartedAt }] = await db<
				[{ restartedAt: Date }]
			>`select pg_postmaster_start_time() as "restartedAt"`
			const rows = await waitFor(
				async () => {
					const rows = await db<
						Array<{ id: string; overallStatus: string; processedAt: Date | null }>
					>`select id, overall_status as "overallStatus", processed_at as "processedAt"
						from images where id = any(${accepted})`
					return rows.every((row) => ['completed', 'partial', 'failed'].includes(row.overallStatus))
						? rows
						: undefined
				},
				{ timeoutMs: 60_000, message: 'every accepted image to be terminal' },
			)
			const terminalMs = Date.now() - second.readyAt
			const jobsLeft = await db`select id from graphile_worker._private_jobs`

			// Nothing lost: every accepted image is there and completed, no job left behind.
			expect(rows).toHaveLength(BATCH)
			expect(rows.map((row) => row.overallStatus)).toEqual(Array(BATCH).fill('completed'))
			expect(jobsLeft).toHaveLength(0)
			expect(terminalMs).toBeLessThan(10_000)
			// The restart released the dead box's locks at once, not after WORKER_DEAD_AFTER_SECONDS.
			const release = second.logs().find((line) => line.msg === 'Released the jobs of dead workers')
			expect(release, second.output()).toMatchObject({ silentSinceDatabaseStart: true })
			expect(release!.jobs).toBeGreaterThanOrEqual(1)

			// Nothing ran twice: an image completed before the kill was not completed
			// again after the restart; one cut off was completed once, after it.
			let redone = 0
			for (const row of rows) {
				const before = completionsIn(first.logs(), row.id)
				const after = completionsIn(second.logs(), row.id)
				const completedAfterRestart = row.processedAt! > restartedAt
				expect(before.length + after.length).toBeLessThanOrEqual(1)
				expect(after).toHaveLength(completedAfterRestart ? 1 : 0)
				if (after[0]?.attempt === 2) redone++
			}
			const completedBefore = rows.filter((row) => row.processedAt! <= restartedAt).length
			console.log(
				`[power-loss] ${BATCH} accepted, ${completedBefore} completed before the kill; restart ready ${((second.readyAt - second.startedAt) / 1000).toFixed(1)} s after launch, ` +
					`all terminal ${(terminalMs / 1000).toFixed(1)} s after ready; released ${String(release!.jobs)} locked job(s) at once, ` +
					`${redone} cut-off stage(s) redone on attempt 2; lost: 0, completed twice: 0`,
			)
		} finally {
			await db.end()
			await second.kill()
		}
	}, 180_000)
})
