import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type AppProcess,
	type ImageDetail,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Issue 14, finding 8: a batch re-process counts each image against the
// `process` limit, and one user's backlog does not hold up another user's
// fresh upload (job priorities: a fair share of the worker for each user).

const DAY = 86_400
const BACKLOG = 60
let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let jpeg: Buffer

beforeAll(async () => {
	;[web, worker, jpeg] = await Promise.all([
		startWeb({ RATE_LIMIT_PROCESS: `${BACKLOG + 10}/${DAY}s`, RATE_LIMIT_UPLOAD: `1000/${DAY}s` }),
		startWorker({ WORKER_CONCURRENCY: '1' }),
		smallJpeg(320, 240),
	])
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

/** `count` uploads, four at a time (MAX_CONCURRENT_UPLOADS_PER_USER). */
async function uploadMany(token: string, count: number) {
	const ids: string[] = []
	let started = 0
	const client = async () => {
		while (started < count) {
			const name = `${started++}.jpg`
			const response = await uploadFile(web.baseUrl, token, jpeg, name)
			expect(response.status).toBe(202)
			ids.push(((await response.json()) as ImageDetail).id)
		}
	}
	await Promise.all(Array.from({ length: 4 }, client))
	return ids
}

const reprocess = (token: string, ids: string[]) =>
	api(web.baseUrl, '/api/images/process', {
		method: 'POST',
		token,
		json: { ids, stages: ['image'] },
	})

/** Waits until none of these images is pending or processing (60 s at most). */
async function settled(ids: string[]) {
	const deadline = Date.now() + 60_000
	for (;;) {
		const [row] = await sql<[{ open: number }]>`
			select count(*)::int as open from images
			where id = any(${ids}::uuid[]) and status in ('pending', 'processing')`
		if (row.open === 0) return
		if (Date.now() > deadline) throw new Error(`${row.open} image(s) still open after 60 s`)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

describe('a batch re-process', () => {
	it('counts each image against the process limit, and is refused whole when it would go over', async () => {
		const { token, user } = await register(web.baseUrl)
		const ids = await uploadMany(token, 12)
		const limit = BACKLOG + 10
		const counted = async () =>
			(
				await sql<[{ count: number }]>`
					select count from rate_limits where key = ${`process:user:${user.id}`}`
			)[0].count
		for (let n = 1; n <= 5; n++) {
			const response = await reprocess(token, ids)
			expect(response.status).toBe(202)
			expect(response.headers.get('RateLimit-Remaining')).toBe(String(limit - 12 * n))
		}
		expect(await counted()).toBe(60)

		const [{ now: refusedAt }] = await sql<[{ now: Date }]>`select now()`
		const refused = await reprocess(token, ids)
		const problem = await expectProblem(refused, 429)
		expect(problem.detail).toMatch(
			new RegExp(`these 12 images would go over the limit of ${limit} per 24 hours; 10 left`),
		)
		expect(problem.detail).toMatch(/Send at most 10/)
		expect(refused.headers.get('RateLimit-Remaining')).toBe('10')
		expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
		// None of it was counted or queued.
		expect(await counted()).toBe(limit - 10)
		const keys = ids.map((id) => `process-image:${id}`)
		const [{ queued }] = await sql<[{ queued: number }]>`
			select count(*)::int as queued from graphile_worker.jobs
			where key = any(${keys}::text[]) and run_at >= ${refusedAt}`
		expect(queued).toBe(0)

		const fits = await reprocess(token, ids.slice(0, 10))
		expect(fits.status).toBe(202)
		expect(fits.headers.get('RateLimit-Remaining')).toBe('0')
		await expectProblem(
			await api(web.baseUrl, `/api/images/${ids[0]}/process`, { method: 'POST', token }),
			429,
		)
	})
})

describe('the worker', () => {
	it("runs another user's fresh upload before all but a few jobs of one user's backlog", async () => {
		const heavy = await register(web.baseUrl)
		const backlog = await uploadMany(heavy.token, BACKLOG)
		await settled(backlog)

		// The heavy user queues all of them again; a light user uploads one image just after.
		const light = await register(web.baseUrl)
		expect((await reprocess(heavy.token, backlog)).status).toBe(202)
		const [fresh] = await uploadMany(light.token, 1)
		await settled([...backlog, fresh!])

		const [freshRow] = await sql<[{ created_at: Date; processed_at: Date }]>`
			select created_at, processed_at from images where id = ${fresh!}`
		// By completion order on the database clock: the heavy user's jobs that
		// finished while the fresh upload waited for the worker.
		const [{ ahead, behind }] = await sql<[{ ahead: number; behind: number }]>`
			select count(*) filter (where processed_at > ${freshRow.created_at} and processed_at < ${freshRow.processed_at})::int as ahead,
				count(*) filter (where processed_at > ${freshRow.processed_at})::int as behind
			from images where id = any(${backlog}::uuid[])`
		// At concurrency 1: the job running when it arrived, and perhaps one more
		// fetched while its upload was committing. Before priorities: the whole backlog.
		expect(ahead).toBeLessThanOrEqual(3)
		// The test means something only if most of the backlog was still waiting.
		expect(behind).toBeGreaterThan(BACKLOG / 2)
	})
})
