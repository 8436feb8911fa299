import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	type AppProcess,
	expectProblem,
	type ImageDetail,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'
import { type EventStream, type ImageEvent, openEvents } from '#tests/support/events'
import { smallJpeg } from '#tests/support/images'

// GET /api/events end to end: a real web process and worker; the stream is
// read with fetch as an API client would, and the database is changed both
// through the API and straight with SQL (as any other writer would).

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let jpeg: Buffer

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	;[web, worker, jpeg] = await Promise.all([startWeb(), startWorker(), smallJpeg(320, 240)])
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

async function upload(token: string, filename = 'photo.jpg'): Promise<ImageDetail> {
	const response = await uploadFile(web.baseUrl, token, jpeg, filename)
	const text = await response.text()
	expect(response.status, text).toBe(202)
	return JSON.parse(text) as ImageDetail
}

const TERMINAL = ['completed', 'partial', 'failed']
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b)
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

describe('GET /api/events', () => {
	it('answers 401 problem+json without a valid token, and 405 to other methods', async () => {
		const anonymous = await api(web.baseUrl, '/api/events')
		await expectProblem(anonymous, 401)
		expect(anonymous.headers.get('WWW-Authenticate')).toBe('Bearer')
		await expectProblem(await api(web.baseUrl, '/api/events', { token: 'drk_nope' }), 401)
		const { token } = await register(web.baseUrl)
		const post = await api(web.baseUrl, '/api/events', { method: 'POST', token })
		await expectProblem(post, 405)
		expect(post.headers.get('Allow')).toBe('GET')
	})

	it("streams the owner's image changes in order up to the terminal status, and nothing to others", async () => {
		const owner = await register(web.baseUrl)
		const other = await register(web.baseUrl)
		const [mine, theirs] = await Promise.all([
			openEvents(web.baseUrl, owner.token),
			openEvents(web.baseUrl, other.token),
		])
		try {
			expect(mine.response.status).toBe(200)
			expect(mine.response.headers.get('Content-Type')).toMatch(/^text\/event-stream/)
			expect(mine.response.headers.get('Cache-Control')).toBe('no-cache, no-transform')
			expect(mine.response.headers.get('X-Accel-Buffering')).toBe('no')
			expect(mine.response.headers.get('Content-Encoding')).toBeNull()

			const image = await upload(owner.token)
			const last = await mine.waitFor(
				(e) => e.id === image.id && TERMINAL.includes(e.overallStatus),
			)
			expect(last.overallStatus).toBe('completed')
			const sequence = mine.images().filter((e) => e.id === image.id)
			expect(sequence[0]).toMatchObject({ type: 'insert', overallStatus: 'pending' })
			expect(sequence.at(-1)).toMatchObject({ type: 'update', overallStatus: 'completed' })
			expect(sequence.some((e) => e.overallStatus === 'processing')).toBe(true)
			// In commit order: updatedAt never goes back, and nothing follows the terminal event.
			const times = sequence.map((e) => Date.parse(e.updatedAt))
			expect(times).toEqual([...times].sort((a, b) => a - b))
			expect(sequence.filter((e) => TERMINAL.includes(e.overallStatus))).toHaveLength(1)
			expect(Object.keys(last).sort()).toEqual(
				['at', 'aiStatus', 'id', 'overallStatus', 'status', 'type', 'updatedAt'].sort(),
			)

			const removed = await api(web.baseUrl, `/api/images/${image.id}`, {
				method: 'DELETE',
				token: owner.token,
			})
			expect(removed.status).toBe(204)
			await mine.waitFor((e) => e.id === image.id && e.type === 'delete')

			expect(mine.raw()).toMatch(/^retry: 2000\n/)
			expect(theirs.response.status).toBe(200)
			expect(theirs.raw()).not.toContain(image.id)
			expect(theirs.events).toEqual([])
		} finally {
			mine.close()
			theirs.close()
		}
	})

	it('delivers a change made with SQL within a second (not buffered)', async () => {
		const { token } = await register(web.baseUrl)
		const image = await upload(token)
		await waitForTerminal(web.baseUrl, token, image.id)
		const stream = await openEvents(web.baseUrl, token)
		try {
			const latencies: number[] = []
			for (let i = 0; i < 10; i++) {
				const aiStatus = i % 2 === 0 ? 'failed' : 'skipped'
				const started = Date.now()
				await sql`update images set ai_status = ${aiStatus} where id = ${image.id}`
				const event = await stream.waitFor(
					(e) => e.id === image.id && e.aiStatus === aiStatus && e.at >= started,
					5_000,
				)
				latencies.push(event.at - started)
			}
			console.info(
				`[events] SQL update → event at the client (statement sent to event read), 10 updates: p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms`,
			)
			expect(Math.max(...latencies)).toBeLessThan(1000)
			expect(stream.images().at(-1)).toMatchObject({
				aiStatus: 'skipped',
				overallStatus: 'completed',
			})
		} finally {
			stream.close()
		}
	})

	it('reaches the client within milliseconds of the worker committing completion (10 images)', async () => {
		const { token } = await register(web.baseUrl)
		// A LISTEN of our own hears each commit as the web process does: the reference clock.
		const heard = new Map<string, number>()
		const listener = await sql.listen('image_events', (payload) => {
			const event = JSON.parse(payload) as ImageEvent
			if (TERMINAL.includes(event.overallStatus)) heard.set(event.id, Date.now())
		})
		const stream = await openEvents(web.baseUrl, token)
		try {
			const sinceCommit: number[] = []
			const sinceUpdatedAt: number[] = []
			for (let i = 0; i < 10; i++) {
				const image = await upload(token, `latency-${i}.jpg`)
				const done = await stream.waitFor(
					(e) => e.id === image.id && TERMINAL.includes(e.overallStatus),
				)
				expect(done.overallStatus).toBe('completed')
				// The SSE chunk can be read before our own notification callback has run.
				for (let wait = 0; !heard.has(image.id) && wait < 50; wait++) await sleep(20)
				sinceCommit.push(done.at - heard.get(image.id)!)
				sinceUpdatedAt.push(done.at - Date.parse(done.updatedAt))
			}
			const summary = (values: number[]) =>
				`p50 ${percentile(values, 50)} ms, max ${Math.max(...values)} ms`
			console.info(
				`[events] worker completion → client, 10 images: commit (seen by a direct LISTEN) → SSE event read ${summary(sinceCommit)}; row updated_at (transaction start) → SSE event read ${summary(sinceUpdatedAt)}`,
			)
			expect(Math.max(...sinceCommit)).toBeLessThan(1000)
		} finally {
			stream.close()
			await listener.unlisten()
		}
	})

	it('refuses more than 20 open streams per user with 429, and frees a slot on disconnect', async () => {
		const { token } = await register(web.baseUrl)
		const streams = await Promise.all(
			Array.from({ length: 20 }, () => openEvents(web.baseUrl, token)),
		)
		try {
			expect(streams.map((s) => s.response.status)).toEqual(Array(20).fill(200))
			const refused = await api(web.baseUrl, '/api/events', { token })
			const problem = await expectProblem(refused, 429)
			expect(problem.detail).toMatch(/20 event streams/)
			expect(refused.headers.get('Retry-After')).toBeTruthy()

			streams.pop()!.close()
			// The server notices the disconnect and drops the subscription.
			let again: EventStream | undefined
			for (let attempt = 0; attempt < 50; attempt++) {
				again = await openEvents(web.baseUrl, token)
				if (again.response.status === 200) break
				await again.response.body?.cancel()
				await sleep(100)
			}
			expect(again!.response.status).toBe(200)
			streams.push(again!)
		} finally {
			for (const stream of streams) stream.close()
		}
	})

	it('ends a stream at its next ping once its token is revoked', async () => {
		const { token } = await register(web.baseUrl)
		const stream = await openEvents(web.baseUrl, token)
		expect(stream.response.status).toBe(200)
		const logout = await api(web.baseUrl, '/api/auth/logout', { method: 'POST', token })
		expect(logout.status).toBe(204)
		// Pings come every 15 s; the first one after the sign-out closes the stream.
		const outcome = await Promise.race([
			stream.ended.then(() => 'ended'),
			sleep(20_000).then(() => 'open'),
		])
		expect(outcome).toBe('ended')
		stream.close()
	}, 30_000)

	it('does not keep a stopping web process alive: open streams are cut at once', async () => {
		const stopping = await startWeb()
		const { token } = await register(stopping.baseUrl)
		const stream = await openEvents(stopping.baseUrl, token)
		expect(stream.response.status).toBe(200)
		const started = Date.now()
		process.kill(stopping.pid, 'SIGTERM')
		const { code } = await stopping.exited
		const stoppedMs = Date.now() - started
		console.info(
			`[events] web SIGTERM with an open event stream: exited ${code} after ${stoppedMs} ms`,
		)
		expect(code).toBe(0)
		// SHUTDOWN_GRACE_SECONDS is 25: well under it means the stream did not hold the drain.
		expect(stoppedMs).toBeLessThan(5_000)
		expect(stopping.logs().some((line) => line.msg?.toString().includes('cut off'))).toBe(false)
	})
})
