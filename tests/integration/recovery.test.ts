import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { freePort } from '#db/embedded'
import {
	getImage,
	listFiles,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import { chatCompletion, startFakeOpenAi, type FakeOpenAi } from '#tests/support/fake-openai'
import { startRestartableS3, waitFor } from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'

// Real processes, real faults: a worker SIGKILLed mid-job, workers and web
// processes SIGTERMed with work in flight, and `npm start` stopped as a whole.

const root = path.resolve(import.meta.dirname, '../..')
const db = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
let fake: FakeOpenAi
let web: WebProcess
let token: string

const aiEnv = () => ({
	AI_PROVIDER: 'openai',
	OPENAI_BASE_URL: fake.baseUrl,
	OPENAI_MODERATION_MODEL: 'none',
	// Polling for minutes must not trip the read limit.
	RATE_LIMIT_ENABLED: 'false',
})

beforeAll(async () => {
	fake = await startFakeOpenAi()
	web = await startWeb(aiEnv())
	token = (await register(web.baseUrl)).token
})

afterAll(async () => {
	await web?.stop()
	await fake?.stop()
	await db.end()
})

type Log = Record<string, unknown>
const logsOf = (...processes: AppProcess[]) => processes.flatMap((p) => p.logs())
const linesFor = (logs: Log[], msg: string, imageId?: string) =>
	logs.filter((line) => line.msg === msg && (!imageId || line.imageId === imageId))
const workerIdsOf = (worker: AppProcess) =>
	linesFor(worker.logs(), 'Worker started')[0]?.workerIds as string[]

async function upload(name: string) {
	const response = await uploadFile(web.baseUrl, token, await smallJpeg(), name)
	expect(response.status).toBe(202)
	return ((await response.json()) as { id: string }).id
}

/** The graphile-worker job of a task for an image, straight from its table. */
async function jobFor(task: string, imageId: string) {
	const [job] = await db<
		Array<{ locked_by: string | null; attempts: number; last_error: string | null }>
	>`select locked_by, attempts, last_error from graphile_worker._private_jobs j
		join graphile_worker._private_tasks t on t.id = j.task_id
		where t.identifier = ${task} and j.payload->>'imageId' = ${imageId}`
	return job
}

const objectsOf = (imageId: string) =>
	listFiles(path.join(process.env.DATA_DIR!, 'storage')).filter((key) => key.includes(imageId))

describe('a worker killed in the middle of a job', () => {
	test('its jobs are released by a live worker and complete exactly once', async () => {
		fake.reset()
		// Every AI call of the first worker hangs until the worker dies.
		const hang = { delayMs: 120_000, body: chatCompletion() }
		fake.enqueue('chat', hang, hang, hang)
		const env = {
			...aiEnv(),
			AI_CONCURRENCY: '2',
			WORKER_HEARTBEAT_SECONDS: '1',
			WORKER_DEAD_AFTER_SECONDS: '3',
		}
		const doomed = await startWorker(env)
		let survivor: AppProcess | undefined
		try {
			const ids = [
				await upload('crash-1.jpg'),
				await upload('crash-2.jpg'),
				await upload('crash-3.jpg'),
			]
			// The image stages are done and at least one AI call is in flight.
			await waitFor(
				async () => {
					const images = await Promise.all(ids.map((id) => getImage(web.baseUrl, token, id)))
					return (
						images.every((image) => image.status === 'completed') &&
						fake.requestsTo('chat').length > 0
					)
				},
				{ message: 'an AI call in flight' },
			)
			const inFlight = fake.requestsTo('chat').length
			const deadIds = workerIdsOf(doomed)

			const killedAt = Date.now()
			process.kill(doomed.pid, 'SIGKILL')
			expect((await doomed.exited).signal).toBe('SIGKILL')
			// Left alone, graphile-worker would keep these locked for 4 hours.
			const locked =
				await db`select id from graphile_worker._private_jobs where locked_by = any(${deadIds})`
			expect(locked.length).toBeGreaterThan(0)
			fake.reset()

			survivor = await startWorker(env)
			const done = await Promise.all(
				ids.map((id) => waitForTerminal(web.baseUrl, token, id, 90_000)),
			)
			const recoveredMs = Date.now() - killedAt
			const release = await waitFor(
				() => linesFor(survivor!.logs(), 'Released the jobs of dead workers')[0],
				{ message: 'the release log line' },
			)

			expect(done.map((image) => image.overallStatus)).toEqual([
				'completed',
				'completed',
				'completed',
			])
			expect(recoveredMs).toBeLessThan(90_000)
			expect(release.workerIds).toEqual(expect.arrayContaining([expect.stringMatching(/^pool-/)]))
			expect(deadIds).toEqual(expect.arrayContaining(release.workerIds as string[]))
			expect(release.jobs).toBe(locked.length)

			const logs = logsOf(doomed, survivor)
			const perImage = ids.map((id) => ({
				imageStage: linesFor(logs, 'Image stage completed', id).length,
				aiStage: linesFor(logs, 'AI stage completed', id),
				objects: objectsOf(id),
			}))
			for (const image of perImage) {
				// Exactly one completion of each stage, one set of objects.
				expect(image.imageStage).toBe(1)
				expect(image.aiStage).toHaveLength(1)
				expect(image.objects).toHaveLength(3)
			}
			// The calls cut off by the kill ran again, on a second attempt.
			const retried = perImage.filter((image) => image.aiStage[0]!.attempt === 2)
			expect(retried.length).toBeGreaterThanOrEqual(1)
			expect(linesFor(doomed.logs(), 'AI stage completed')).toHaveLength(0)
			// Its heartbeat rows went with it.
			const beats =
				await db`select worker_id from worker_heartbeats where worker_id = any(${deadIds})`
			expect(beats).toHaveLength(0)

			const lost = done.filter((image) => image.overallStatus !== 'completed').length
			const duplicates = perImage.reduce(
				(total, image) =>
					total + Math.max(0, image.aiStage.length - 1) + Math.max(0, image.imageStage - 1),
				0,
			)
			console.log(
				`[recovery] SIGKILL with ${inFlight} AI call(s) in flight: ${ids.length} images completed ${(recoveredMs / 1000).toFixed(1)} s after the kill ` +
					`(heartbeat 1 s, dead after 3 s); released ${String(release.jobs)} job(s) of ${(release.workerIds as string[]).length} worker pool(s); ` +
					`${retried.length} re-run on attempt 2; images lost: ${lost}; duplicate completions: ${duplicates}`,
			)
		} finally {
			await doomed.stop()
			await survivor?.stop()
		}
	}, 150_000)
	test('a dead run of the image stage, row left in processing, is re-run cleanly', async () => {
		const s3 = await startRestartableS3()
		// A storage endpoint that accepts connections and never answers: the
		// first worker's read of the original hangs, with the row in processing.
		const blackHole = net.createServer(() => {})
		await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
		const stuckEndpoint = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`
		const env = {
			...s3.env,
			RATE_LIMIT_ENABLED: 'false',
			WORKER_HEARTBEAT_SECONDS: '1',
			WORKER_DEAD_AFTER_SECONDS: '3',
		}
		const processes: AppProcess[] = []
		try {
			const own = await startWeb(env)
			processes.push(own)
			const doomed = await startWorker({ ...env, S3_ENDPOINT: stuckEndpoint })
			processes.push(doomed)
			const { token: owner, user } = await register(own.baseUrl)
			const response = await uploadFile(own.baseUrl, owner, await smallJpeg(), 'stuck.jpg')
			const { id } = (await response.json()) as { id: string }
			await waitFor(async () => (await getImage(own.baseUrl, owner, id)).status === 'processing', {
				message: 'the image stage to start',
			})

			const killedAt = Date.now()
			process.kill(doomed.pid, 'SIGKILL')
			await doomed.exited
			expect(await jobFor('process-image', id)).toMatchObject({ attempts: 1 })
			expect((await jobFor('process-image', id))!.locked_by).toMatch(/^pool-/)

			const survivor = await startWorker(env)
			processes.push(survivor)
			const image = await waitForTerminal(own.baseUrl, owner, id, 90_000)
			const recoveredMs = Date.now() - killedAt
			expect(image.overallStatus).toBe('completed')
			const completions = linesFor(logsOf(doomed, survivor), 'Image stage completed', id)
			expect(completions).toHaveLength(1)
			expect(completions[0]!.attempt).toBe(2)
			expect(await jobFor('process-image', id)).toBeUndefined()
			const client = new S3Client({
				endpoint: s3.endpoint,
				region: 'us-east-1',
				forcePathStyle: true,
				credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
			})
			const listed = await client.send(
				new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `images/${user.id}/` }),
			)
			client.destroy()
			expect((listed.Contents ?? []).map((object) => object.Key).sort()).toEqual([
				`images/${user.id}/${id}/optimized.webp`,
				`images/${user.id}/${id}/original.jpg`,
				`images/${user.id}/${id}/thumbnail.webp`,
			])
			console.log(
				`[recovery] SIGKILL during the image stage (row in processing): completed ${(recoveredMs / 1000).toFixed(1)} s after the kill on attempt 2; one completion, one set of 3 objects`,
			)
		} finally {
			for (const p of processes.reverse()) await p.stop()
			blackHole.close()
			await s3.destroy()
		}
	}, 150_000)
})

describe('SIGTERM on a worker', () => {
	test('the running job finishes, nothing new starts, and the process exits 0', async () => {
		fake.reset()
		fake.enqueue('chat', { delayMs: 4000, body: chatCompletion() })
		const env = { ...aiEnv(), SHUTDOWN_GRACE_SECONDS: '20' }
		const stopping = await startWorker(env)
		let next: AppProcess | undefined
		try {
			const first = await upload('drain-1.jpg')
			await waitFor(() => fake.requestsTo('chat').length > 0, { message: 'the AI call' })

			const signalledAt = Date.now()
			process.kill(stopping.pid, 'SIGTERM')
			await waitFor(() => linesFor(stopping.logs(), 'Worker stopping').length > 0, {
				message: 'the worker to start stopping',
			})
			const second = await upload('drain-2.jpg')
			// Still draining the first job when the second one was queued.
			expect(stopping.hasExited()).toBe(false)

			const { code } = await stopping.exited
			const stoppedMs = Date.now() - signalledAt
			expect(code).toBe(0)
			expect(stoppedMs).toBeLessThan(20_000)
			expect(linesFor(stopping.logs(), 'AI stage completed', first)).toHaveLength(1)
			// Its job is done and gone, not left locked for someone to release.
			expect(await jobFor('analyze-image', first)).toBeUndefined()
			expect(linesFor(stopping.logs(), 'Unlocked jobs left locked after stopping')).toHaveLength(0)
			expect((await getImage(web.baseUrl, token, first)).overallStatus).toBe('completed')
			// Not even looked at: no log line names it, its job was never taken.
			expect(stopping.logs().filter((line) => line.imageId === second)).toHaveLength(0)
			expect((await getImage(web.baseUrl, token, second)).status).toBe('pending')
			expect(await jobFor('process-image', second)).toMatchObject({ locked_by: null, attempts: 0 })

			next = await startWorker(env)
			expect((await waitForTerminal(web.baseUrl, token, second)).overallStatus).toBe('completed')
			console.log(
				`[recovery] worker SIGTERM with a 4 s AI call in flight: it completed, the worker exited 0 after ${(stoppedMs / 1000).toFixed(1)} s; the job queued meanwhile waited for the next worker`,
			)
		} finally {
			await stopping.stop()
			await next?.stop()
		}
	}, 90_000)

	test('a job still running when the grace period ends goes back to the queue', async () => {
		fake.reset()
		fake.enqueue('chat', { delayMs: 120_000, body: chatCompletion() })
		const env = { ...aiEnv(), SHUTDOWN_GRACE_SECONDS: '2' }
		const stopping = await startWorker(env)
		let next: AppProcess | undefined
		try {
			const id = await upload('grace.jpg')
			await waitFor(() => fake.requestsTo('chat').length > 0, { message: 'the AI call' })

			const signalledAt = Date.now()
			process.kill(stopping.pid, 'SIGTERM')
			const { code } = await stopping.exited
			const stoppedMs = Date.now() - signalledAt
			expect(code).toBe(0)
			// The grace period, plus the time to hand the job back.
			expect(stoppedMs).toBeLessThan(10_000)
			const released = linesFor(stopping.logs(), 'Released unfinished jobs back to the queue')
			expect(released).toHaveLength(1)
			expect(released[0]!.count).toBe(1)
			// Unlocked, not left for 4 hours; the attempt is counted.
			const job = await jobFor('analyze-image', id)
			expect(job).toMatchObject({ locked_by: null, attempts: 1 })
			expect(job!.last_error).toMatch(/SHUTDOWN_GRACE_SECONDS/)

			next = await startWorker(env)
			const image = await waitForTerminal(web.baseUrl, token, id)
			expect(image.overallStatus).toBe('completed')
			// The line is written after the commit the API reports, so it may still be in the pipe.
			await waitFor(() => linesFor(next!.logs(), 'AI stage completed', id).length > 0, {
				message: 'the next worker to log the AI stage',
			})
			expect(linesFor(next.logs(), 'AI stage completed', id)[0]?.attempt).toBe(2)
			console.log(
				`[recovery] worker SIGTERM with a job outlasting SHUTDOWN_GRACE_SECONDS=2: exited 0 after ${(stoppedMs / 1000).toFixed(1)} s, job unlocked and completed by the next worker`,
			)
		} finally {
			await stopping.stop()
			await next?.stop()
		}
	}, 90_000)
})

/** A multipart upload whose bytes go out in slices, pausing before `pauseAt` until `resume()`. */
function slowUpload(
	baseUrl: string,
	bearer: string,
	bytes: Buffer,
	{ slices = 8, pauseAt = 2 } = {},
) {
	const boundary = `----darkroom-${randomUUID()}`
	const body = Buffer.concat([
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
		),
		bytes,
		Buffer.from(`\r\n--${boundary}--\r\n`),
	])
	const size = Math.ceil(body.length / slices)
	let resume = () => {}
	const resumed = new Promise<void>((resolve) => (resume = resolve))
	let sent = 0
	let index = 0
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (index === pauseAt) await resumed
			await new Promise((resolve) => setTimeout(resolve, 150))
			controller.enqueue(new Uint8Array(body.subarray(index * size, (index + 1) * size)))
			sent = ++index
			if (index * size >= body.length) controller.close()
		},
	})
	const response = fetch(`${baseUrl}/api/images`, {
		method: 'POST',
		headers: {
			Authorization: `Bearer ${bearer}`,
			'Content-Type': `multipart/form-data; boundary=${boundary}`,
		},
		body: stream,
		duplex: 'half',
	} as RequestInit)
	return { response, resume, sent: () => sent }
}

/** Resolves true if a new TCP connection to the port is refused. */
function connectionRefused(port: number) {
	return new Promise<boolean>((resolve) => {
		const socket = net.connect(port, '127.0.0.1')
		socket.once('connect', () => {
			socket.destroy()
			resolve(false)
		})
		socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
	})
}

describe('SIGTERM on the web process', () => {
	test('an upload in flight completes with 202, new connections are refused, then it exits 0', async () => {
		const own = await startWeb({ RATE_LIMIT_ENABLED: 'false', SHUTDOWN_GRACE_SECONDS: '20' })
		try {
			const { token: owner } = await register(own.baseUrl)
			const upload = slowUpload(own.baseUrl, owner, await smallJpeg(800, 600))
			await waitFor(() => upload.sent() >= 2, { message: 'the upload to start' })

			const signalledAt = Date.now()
			process.kill(own.pid, 'SIGTERM')
			await waitFor(() => linesFor(own.logs(), 'Web stopping').length > 0, {
				message: 'the web process to start stopping',
			})
			expect(await connectionRefused(Number(new URL(own.baseUrl).port))).toBe(true)
			expect(own.hasExited()).toBe(false)
			upload.resume()

			const response = await upload.response
			const text = await response.text()
			expect(response.status, text).toBe(202)
			const { code } = await own.exited
			expect(code).toBe(0)
			const image = JSON.parse(text) as { id: string }
			const [row] = await db`select status from images where id = ${image.id}`
			expect(row).toMatchObject({ status: 'pending' })
			console.log(
				`[recovery] web SIGTERM during a slow upload: 202 delivered, process exited 0 ${((Date.now() - signalledAt) / 1000).toFixed(1)} s after the signal`,
			)
		} finally {
			await own.stop()
		}
	}, 60_000)

	test('a request still running when the grace period ends is cut off and the process exits 0', async () => {
		const own = await startWeb({ RATE_LIMIT_ENABLED: 'false', SHUTDOWN_GRACE_SECONDS: '2' })
		try {
			const { token: owner } = await register(own.baseUrl)
			// Never resumed: this upload would hold the process open forever.
			const upload = slowUpload(own.baseUrl, owner, await smallJpeg(800, 600))
			const outcome = upload.response.then(
				(response) => response.status,
				() => 'cut off',
			)
			await waitFor(() => upload.sent() >= 2, { message: 'the upload to start' })

			const signalledAt = Date.now()
			process.kill(own.pid, 'SIGTERM')
			const { code } = await own.exited
			const stoppedMs = Date.now() - signalledAt
			expect(code).toBe(0)
			expect(stoppedMs).toBeLessThan(10_000)
			expect(await outcome).toBe('cut off')
			expect(
				linesFor(own.logs(), 'Requests still running after the grace period were cut off'),
			).toHaveLength(1)
			console.log(
				`[recovery] web SIGTERM with a stalled upload and SHUTDOWN_GRACE_SECONDS=2: cut off, exited 0 after ${(stoppedMs / 1000).toFixed(1)} s`,
			)
		} finally {
			await own.stop()
		}
	}, 60_000)
})

describe('npm start (web + worker + embedded PostgreSQL)', () => {
	/** `npm start` in a process group of its own (as a job in a terminal), an AI call in flight. */
	async function launchWithJobInFlight() {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-npm-start-'))
		fs.chmodSync(dataDir, 0o755)
		const port = await freePort()
		const baseUrl = `http://127.0.0.1:${port}`
		fake.reset()
		fake.enqueue('chat', { delayMs: 4000, body: chatCompletion() })
		// Like `npm start`: no DATABASE_URL, so the parent runs an embedded PostgreSQL.
		const env = Object.fromEntries(
			Object.entries(process.env).filter(
				([key]) =>
					!['DATABASE_URL', 'DATA_DIR', 'SECRET_KEY'].includes(key) && !key.startsWith('VITEST'),
			),
		)
		const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
			cwd: root,
			env: {
				...env,
				...aiEnv(),
				NODE_ENV: 'test',
				LOG_LEVEL: 'info',
				DATA_DIR: dataDir,
				PORT: String(port),
				HOST: '127.0.0.1',
				SHUTDOWN_GRACE_SECONDS: '20',
			},
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		})
		let output = ''
		// The children write to the same pipes, which stay open until the last of them exits.
		const outputClosed = new Promise<void>((resolve) => child.stdout.once('close', resolve))
		child.stdout.on('data', (chunk) => (output += chunk))
		child.stderr.on('data', (chunk) => (output += chunk))
		const exited = new Promise<number | null>((resolve) =>
			child.once('exit', (code) => resolve(code)),
		)
		const logs = () =>
			output
				.split('\n')
				.filter((line) => line.startsWith('{'))
				.map((line) => JSON.parse(line) as Log)
		const cleanUp = async () => {
			if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
			await exited
			fs.rmSync(dataDir, { recursive: true, force: true })
		}
		try {
			await waitFor(
				async () => {
					const response = await fetch(`${baseUrl}/api/health`).catch(() => undefined)
					await response?.body?.cancel()
					return response?.ok && logs().some((line) => line.msg === 'Worker started')
				},
				{ timeoutMs: 60_000, message: () => `npm start to be ready:\n${output}` },
			)
			const { token: owner } = await register(baseUrl)
			const response = await uploadFile(baseUrl, owner, await smallJpeg(), 'npm-start.jpg')
			const { id } = (await response.json()) as { id: string }
			await waitFor(() => fake.requestsTo('chat').length > 0, { message: 'the AI call' })
			const pgPort = (
				JSON.parse(fs.readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as { port: number }
			).port
			return {
				child,
				exited,
				outputClosed,
				output: () => output,
				logs,
				imageId: id,
				pgPort,
				port,
				dataDir,
				cleanUp,
			}
		} catch (error) {
			await cleanUp()
			throw error
		}
	}

	/** The job in flight finished, both children stopped cleanly, then PostgreSQL stopped. */
	async function expectDrainedInOrder(launch: Awaited<ReturnType<typeof launchWithJobInFlight>>) {
		const { logs, output } = launch
		// The AI result was written after the signal: PostgreSQL outlived the drain.
		const completed = logs().filter(
			(line) => line.msg === 'AI stage completed' && line.imageId === launch.imageId,
		)
		expect(completed, output()).toHaveLength(1)
		expect(logs().some((line) => line.service === 'web' && line.msg === 'Web stopped')).toBe(true)
		expect(logs().some((line) => line.service === 'worker' && line.msg === 'Worker stopped')).toBe(
			true,
		)
		expect(output()).not.toMatch(
			/ECONNREFUSED|terminating connection|the database system is shutting down|Unhandled/,
		)
		// And then it was stopped: nothing listens, no postmaster.pid left.
		await waitFor(() => connectionRefused(launch.pgPort), { message: 'PostgreSQL to stop' })
		await waitFor(() => !fs.existsSync(path.join(launch.dataDir, 'postgres', 'postmaster.pid')), {
			message: 'postmaster.pid to go',
		})
		expect(await connectionRefused(launch.port)).toBe(true)
	}

	test.each([
		['SIGTERM to the parent (a container stop, `kill`)', 'SIGTERM', false],
		// A terminal's Ctrl-C signals its whole foreground process group.
		['Ctrl-C (SIGINT to the whole process group)', 'SIGINT', true],
	] as const)(
		'%s drains both children before PostgreSQL stops, then exits 0',
		async (how, signal, toGroup) => {
			const launch = await launchWithJobInFlight()
			try {
				process.kill(toGroup ? -launch.child.pid! : launch.child.pid!, signal)
				expect(await launch.exited, launch.output()).toBe(0)
				await expectDrainedInOrder(launch)
				console.log(
					`[recovery] npm start, ${how}: AI job in flight completed, web and worker exited, PostgreSQL stopped last, exit 0`,
				)
			} finally {
				await launch.cleanUp()
			}
		},
		120_000,
	)

	test('a parent killed with SIGKILL leaves nothing running: its children drain, then PostgreSQL stops', async () => {
		const launch = await launchWithJobInFlight()
		try {
			process.kill(launch.child.pid!, 'SIGKILL')
			await launch.outputClosed
			await expectDrainedInOrder(launch)
			console.log(
				'[recovery] npm start, SIGKILL to the parent: AI job in flight completed, web and worker exited, PostgreSQL stopped after them',
			)
		} finally {
			await launch.cleanUp()
		}
	}, 120_000)
})
