import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { register, startWeb, startWorker, uploadFile, type AppProcess } from '#tests/support/app'
import { type ImageEvent, openEvents } from '#tests/support/events'
import { waitFor } from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'
import { startS3, type TestS3 } from '#tests/support/s3'

// Issue 11: many replicas on one machine. Two web processes and three workers
// share one external PostgreSQL (this file's test database, reached through
// DATABASE_URL, so no process starts an embedded one) and one S3 (s3rver).
// Uploads are spread over both web processes; every image must complete
// exactly once, and a page connected to web A must hear about images
// uploaded through web B.

const UPLOADS = 300
/** Uploads in flight at once, over both web processes. */
const IN_FLIGHT = 16
const WORKERS = 3
const TERMINAL = ['completed', 'partial', 'failed']

const db = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
const processes: AppProcess[] = []
let s3: TestS3 | undefined

afterAll(async () => {
	await Promise.all(processes.map((child) => child.stop()))
	await s3?.stop()
	await db.end()
})

/** What every replica shares; PGAPPNAME names each one's connections in pg_stat_activity. */
function replicaEnv(store: TestS3, name: string): Record<string, string> {
	return {
		STORAGE_DRIVER: 's3',
		S3_ENDPOINT: store.endpoint,
		S3_BUCKET: store.bucket,
		S3_ACCESS_KEY_ID: store.credentials.accessKeyId,
		S3_SECRET_ACCESS_KEY: store.credentials.secretAccessKey,
		S3_REGION: 'us-east-1',
		AI_PROVIDER: 'none',
		RATE_LIMIT_ENABLED: 'false',
		MAX_CONCURRENT_UPLOADS_PER_USER: String(IN_FLIGHT * 2),
		// Three workers on one host cannot share one metrics port.
		WORKER_METRICS_PORT: '0',
		PGAPPNAME: `darkroom-${name}`,
	}
}

/** Registers a replica as soon as it is up, so afterAll stops it even if another fails to start. */
async function started<T extends AppProcess>(starting: Promise<T>): Promise<T> {
	const child = await starting
	processes.push(child)
	return child
}

/** One state change of one image: what both the NOTIFY and the stream carry. */
const eventKey = (event: ImageEvent) =>
	[event.id, event.type, event.status, event.aiStatus, event.updatedAt].join(' ')

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!

/** Peak connections per replica while `during` runs, sampled from pg_stat_activity. */
async function sampleConnections<T>(during: Promise<T>) {
	const peak = new Map<string, number>()
	let done = false
	const sampling = (async () => {
		while (!done) {
			const rows = await db<Array<{ name: string; n: number }>>`
				select application_name as name, count(*)::int as n from pg_stat_activity
				where datname = current_database() and application_name like 'darkroom-%'
				group by application_name`
			for (const { name, n } of rows) peak.set(name, Math.max(peak.get(name) ?? 0, n))
			await new Promise((resolve) => setTimeout(resolve, 250))
		}
	})()
	try {
		return { result: await during, peak }
	} finally {
		done = true
		await sampling
	}
}

describe('replicas on one machine', () => {
	test(`2 web and ${WORKERS} workers: ${UPLOADS} uploads over both complete exactly once, and SSE crosses processes`, async () => {
		s3 = await startS3()
		const store = s3
		// Two waves, not five processes at once: each start compiles with tsx, and
		// on two busy cores five at once can outlast the start timeout.
		const [webA, webB] = await Promise.all([
			started(startWeb(replicaEnv(store, 'web-a'))),
			started(startWeb(replicaEnv(store, 'web-b'))),
		])
		const workers = await Promise.all(
			Array.from({ length: WORKERS }, (_, i) =>
				started(startWorker(replicaEnv(store, `worker-${i + 1}`))),
			),
		)
		const { token, user } = await register(webA.baseUrl)
		const stream = await openEvents(webA.baseUrl, token)
		expect(stream.response.status).toBe(200)
		// The commit's moment, as near as a client can see it: the same NOTIFY
		// heard straight from PostgreSQL by this test, on this test's clock.
		const heardAt = new Map<string, number>()
		const listener = await db.listen('image_events', (payload) => {
			heardAt.set(eventKey(JSON.parse(payload) as ImageEvent), Date.now())
		})
		const photo = await smallJpeg()

		// IN_FLIGHT uploaders take the next upload number; odd numbers go through web B.
		const viaB = new Set<string>()
		const statuses: number[] = []
		let next = 0
		const startedAt = Date.now()
		const uploadAll = async () => {
			await Promise.all(
				Array.from({ length: IN_FLIGHT }, async () => {
					for (let i = next++; i < UPLOADS; i = next++) {
						const web = i % 2 === 1 ? webB : webA
						const response = await uploadFile(web.baseUrl, token, photo, `replica-${i}.jpg`)
						statuses.push(response.status)
						const { id } = (await response.json()) as { id: string }
						if (web === webB) viaB.add(id)
					}
				}),
			)
			const uploadedAt = Date.now()
			const rows = await waitFor(
				async () => {
					const rows = await db<
						Array<{
							id: string
							overallStatus: string
							processingStartedAt: Date | null
							processedAt: Date | null
						}>
					>`select id, overall_status as "overallStatus",
						processing_started_at as "processingStartedAt", processed_at as "processedAt"
						from images where user_id = ${user.id}`
					return rows.length === UPLOADS &&
						rows.every((row) => TERMINAL.includes(row.overallStatus))
						? rows
						: undefined
				},
				{ timeoutMs: 60_000, message: `all ${UPLOADS} images to be terminal` },
			)
			return { uploadedAt, completedAt: Date.now(), rows }
		}
		const {
			result: { uploadedAt, completedAt, rows },
			peak,
		} = await sampleConnections(uploadAll())

		// Every upload accepted and completed, spread over both web processes.
		expect(statuses).toEqual(Array(UPLOADS).fill(202))
		expect(viaB.size).toBe(UPLOADS / 2)
		expect(rows.map((row) => row.overallStatus)).toEqual(Array(UPLOADS).fill('completed'))
		for (const row of rows) {
			expect(row.processingStartedAt).not.toBeNull()
			expect(row.processedAt!.getTime()).toBeGreaterThanOrEqual(row.processingStartedAt!.getTime())
		}
		const ids = rows.map((row) => row.id)
		const jobsLeft = await db`select j.id from graphile_worker._private_jobs j
			where j.payload->>'imageId' = any(${ids})`
		expect(jobsLeft).toHaveLength(0)

		// Exactly once, from what the workers record: one completed stage per
		// image over all three, on its first attempt; no run found it done by another.
		const workerLogs = workers.flatMap((worker) => worker.logs())
		const completions = workerLogs.filter((line) => line.msg === 'Image stage completed')
		const completionsPerImage = new Map<string, number>()
		for (const line of completions) {
			const id = line.imageId as string
			completionsPerImage.set(id, (completionsPerImage.get(id) ?? 0) + 1)
		}
		expect([...completionsPerImage.keys()].sort()).toEqual([...ids].sort())
		const duplicates = [...completionsPerImage.values()].filter((n) => n > 1).length
		expect(duplicates).toBe(0)
		expect(completions.every((line) => line.attempt === 1)).toBe(true)
		expect(
			workerLogs.filter((line) =>
				[
					'Image stage was completed by another run; nothing changed',
					'Image stage failed; will retry',
				].includes(line.msg as string),
			),
		).toEqual([])
		// The queue was shared: every worker took some of the images.
		const perWorker = workers.map(
			(worker) => worker.logs().filter((line) => line.msg === 'Image stage completed').length,
		)
		for (const count of perWorker) expect(count).toBeGreaterThan(0)

		// The page on web A heard every image, those uploaded through B included:
		// its insert, and its completion once (a second completion would be a second event).
		await waitFor(
			() =>
				new Set(
					stream
						.images()
						.filter((e) => e.overallStatus === 'completed')
						.map((e) => e.id),
				).size === UPLOADS,
			{ timeoutMs: 10_000, message: 'web A to stream every completion' },
		)
		stream.close()
		const events = stream.images()
		for (const id of ids) {
			const own = events.filter((event) => event.id === id)
			expect(own.filter((event) => event.type === 'insert')).toHaveLength(1)
			expect(own.filter((event) => event.overallStatus === 'completed')).toHaveLength(1)
		}
		await listener.unlisten()
		// Cross-process delay, for the images uploaded through B: from the
		// commit (heard directly) to the event's arrival on web A's stream.
		const delays = events
			.filter((event) => viaB.has(event.id))
			.map((event) => event.at - heardAt.get(eventKey(event))!)
			.sort((a, b) => a - b)
		expect(delays.every(Number.isFinite)).toBe(true)
		const delayP50 = percentile(delays, 50)
		const delayMax = delays.at(-1)!
		expect(delayP50).toBeLessThan(250)
		expect(delayMax).toBeLessThan(3000)
		// The connection budget docs/scaling.md promises, at the default pool sizes:
		// web 10 + 2 LISTENs; worker 10 + (2 + 1) + (4 + 1) + (1 + 1) with AI off.
		for (const [name, n] of peak) {
			expect(n, name).toBeLessThanOrEqual(name.includes('web') ? 12 : 20)
		}

		// For the capacity model (docs/scaling.md): what one image costs the database.
		const [size] = await db<[{ rowBytes: number; tableBytes: number }]>`
			select avg(pg_column_size(i.*))::int as "rowBytes",
				(pg_total_relation_size('images') / count(*))::int as "tableBytes"
			from images i`
		const seconds = (ms: number) => ms / 1000
		const connections = [...peak.entries()]
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([name, n]) => `${name.replace('darkroom-', '')} ${n}`)
			.join(', ')
		console.log(
			`[replicas] 2 web + ${WORKERS} workers, one PostgreSQL, s3rver: ${UPLOADS} uploads (${IN_FLIGHT} in flight) accepted in ${seconds(uploadedAt - startedAt).toFixed(1)} s ` +
				`(${((UPLOADS * 1000) / (uploadedAt - startedAt)).toFixed(0)} uploads/s), all completed ${seconds(completedAt - startedAt).toFixed(1)} s after the first ` +
				`(${((UPLOADS * 1000) / (completedAt - startedAt)).toFixed(0)} images/s); per worker ${perWorker.join('/')}; duplicates ${duplicates}; ` +
				`SSE web B -> web A, commit to client, p50 ${delayP50} ms, max ${delayMax} ms over ${delays.length} events; peak connections: ${connections}; ` +
				`images row ${size!.rowBytes} B, ${size!.tableBytes} B per image with indexes and TOAST`,
		)
	}, 180_000)
})
