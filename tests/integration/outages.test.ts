import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import {
	api,
	expectProblem,
	getImage,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import {
	startOwnPostgres,
	startRestartableS3,
	waitFor,
	type RestartableS3,
} from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'

// Backing services really go away under running processes: s3rver stopped
// and restarted on the same port and directory, and a PostgreSQL cluster of
// this file's own stopped and restarted on the same port.

const db = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
afterAll(async () => {
	await db.end()
})

// Polling through an outage must not trip the read limit.
const quiet = { RATE_LIMIT_ENABLED: 'false' }

type Health = { status: string; failing?: string[]; checks: Record<string, string> }

async function health(web: WebProcess) {
	const response = await api(web.baseUrl, '/api/health')
	return { status: response.status, body: (await response.json()) as Health }
}

async function objectsUnder(s3: RestartableS3, prefix: string) {
	const client = new S3Client({
		endpoint: s3.endpoint,
		region: 'us-east-1',
		forcePathStyle: true,
		credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
	})
	try {
		const listed = await client.send(
			new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
		)
		return (listed.Contents ?? []).map((object) => object.Key!)
	} finally {
		client.destroy()
	}
}

const jobCount = async () =>
	Number((await db`select count(*)::int as n from graphile_worker._private_jobs`)[0]!.n)

describe('object storage outage', () => {
	test('(a) an upload while storage is unreachable gets 503 and leaves no row, job or object', async () => {
		const s3 = await startRestartableS3()
		let web: WebProcess | undefined
		try {
			web = await startWeb({ ...s3.env, ...quiet })
			const { token, user } = await register(web.baseUrl)
			const jobsBefore = await jobCount()
			await s3.stop()

			const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'unreachable.jpg')
			expect(response.headers.get('Retry-After')).toMatch(/^\d+$/)
			await expectProblem(response, 503)
			const rows = await db`select id from images where user_id = ${user.id}`
			expect(rows).toHaveLength(0)
			expect(await jobCount()).toBe(jobsBefore)
			const down = await health(web)
			expect(down.status).toBe(503)
			expect(down.body.failing).toEqual(['storage'])

			await s3.start()
			expect(await objectsUnder(s3, `images/${user.id}/`)).toEqual([])
			expect((await health(web)).status).toBe(200)
			console.log('[outages] (a) upload with S3 down: 503 problem+json, 0 rows, 0 jobs, 0 objects')
		} finally {
			await web?.stop()
			await s3.destroy()
		}
	}, 90_000)

	test('(b) the worker retries with backoff while storage is down and completes once it is back', async () => {
		const s3 = await startRestartableS3()
		let web: WebProcess | undefined
		let worker: AppProcess | undefined
		try {
			const env = { ...s3.env, ...quiet }
			web = await startWeb(env)
			const { token, user } = await register(web.baseUrl)
			const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'retry.jpg')
			expect(response.status).toBe(202)
			const { id } = (await response.json()) as { id: string }

			await s3.stop()
			const downAt = Date.now()
			worker = await startWorker(env)
			const failures = () =>
				worker!
					.logs()
					.filter((line) => line.msg === 'Image stage failed; will retry' && line.imageId === id)
			await waitFor(() => failures().length >= 2, { message: 'two failed attempts' })
			// The task logs before graphile records the failure: wait for the row to show it.
			const job = await waitFor(
				async () => {
					const [row] = await db<
						Array<{
							attempts: number
							last_error: string | null
							locked_by: string | null
							wait: number
						}>
					>`select attempts, last_error, locked_by, extract(epoch from run_at - now())::float as wait
						from graphile_worker._private_jobs where payload->>'imageId' = ${id}`
					return row && row.attempts >= 2 && row.locked_by === null ? row : undefined
				},
				{ message: 'the second failure to be recorded' },
			)
			// Backing off: attempt 2 came at least e^1 s after attempt 1, attempt 3 waits e^2 s.
			const [first, second] = failures()
			expect((second!.time as number) - (first!.time as number)).toBeGreaterThanOrEqual(2000)
			expect(job).toMatchObject({ attempts: 2, last_error: expect.stringMatching(/storage/i) })
			expect(job.wait).toBeGreaterThan(3)
			expect((await getImage(web.baseUrl, token, id)).status).toBe('processing')

			await s3.start()
			const upAt = Date.now()
			const image = await waitForTerminal(web.baseUrl, token, id)
			const completedMs = Date.now() - upAt
			expect(image.overallStatus).toBe('completed')
			const completion = worker
				.logs()
				.filter((line) => line.msg === 'Image stage completed' && line.imageId === id)
			expect(completion).toHaveLength(1)
			expect(completion[0]!.attempt).toBeGreaterThanOrEqual(3)
			expect((await objectsUnder(s3, `images/${user.id}/${id}/`)).sort()).toEqual([
				`images/${user.id}/${id}/optimized.webp`,
				`images/${user.id}/${id}/original.jpg`,
				`images/${user.id}/${id}/thumbnail.webp`,
			])
			const thumbnail = await fetch(image.variants.thumbnail!.url)
			expect(thumbnail.status).toBe(200)
			await thumbnail.body?.cancel()
			console.log(
				`[outages] (b) S3 down ${((upAt - downAt) / 1000).toFixed(1)} s: ${failures().length} failed attempt(s) with backoff, ` +
					`completed on attempt ${String(completion[0]!.attempt)} ${(completedMs / 1000).toFixed(1)} s after S3 came back`,
			)
		} finally {
			await worker?.stop()
			await web?.stop()
			await s3.destroy()
		}
	}, 120_000)
})

describe('PostgreSQL outage', () => {
	test('(c, d) the web process survives a database restart: 503 naming database while down, serving again after', async () => {
		const pg = await startOwnPostgres()
		let web: WebProcess | undefined
		try {
			web = await startWeb({ DATABASE_URL: pg.url, ...quiet })
			const { token } = await register(web.baseUrl)
			const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'before.jpg')
			expect(response.status).toBe(202)
			const { id } = (await response.json()) as { id: string }

			await pg.stop()
			const down = await health(web)
			expect(down.status).toBe(503)
			expect(down.body.failing).toContain('database')
			expect(down.body.checks.database).toBe('failing')
			// It answers (an error, not a hang or a crash) while the database is gone.
			const during = await api(web.baseUrl, `/api/images/${id}`, { token })
			expect(during.status).toBeGreaterThanOrEqual(500)
			expect(during.headers.get('Content-Type')).toMatch(/^application\/problem\+json/)
			await during.body?.cancel()
			expect(web.hasExited()).toBe(false)

			await pg.start()
			const restartedAt = Date.now()
			await waitFor(async () => (await health(web!)).status === 200, {
				message: 'health to be 200 again',
			})
			const recoveredMs = Date.now() - restartedAt
			expect((await getImage(web.baseUrl, token, id)).id).toBe(id)
			const after = await uploadFile(web.baseUrl, token, await smallJpeg(), 'after.jpg')
			expect(after.status).toBe(202)
			expect((await register(web.baseUrl)).token).toBeTruthy()
			expect(web.hasExited()).toBe(false)
			console.log(
				`[outages] (c, d) PostgreSQL restart: health 503 (failing: ${down.body.failing!.join(', ')}) while down, ` +
					`200 again ${(recoveredMs / 1000).toFixed(1)} s after the restart; the same web process (pid ${web.pid}) served on`,
			)
		} finally {
			await web?.stop()
			await pg.destroy()
		}
	}, 120_000)
})
