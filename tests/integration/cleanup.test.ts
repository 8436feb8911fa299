import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import {
	Logger,
	makeWorkerUtils,
	parseCrontab,
	runOnce,
	type TaskList,
	type WorkerUtils,
} from 'graphile-worker'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ObjectInfo, Storage } from '#app/storage/types'
import {
	type AppProcess,
	api,
	expectProblem,
	getImage,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Cleanup against real processes and a real S3 API (s3rver): the web process
// serves DELETE and the admin sweep; the maintenance tasks run through
// graphile-worker's runOnce in this process, against the same database and
// bucket, once the worker (needed to process the uploads) has stopped, so no
// crontab run can race the assertions.

const BUCKET = 'cleanup-test'
const MISSING_ORIGINAL = 'The original file is missing from storage.'
const ADMIN_EMAIL = `admin-${randomUUID()}@example.test`

let s3: RestartableS3
let web: WebProcess
let worker: AppProcess | undefined
let sql: postgres.Sql
let storage: Storage
let tasks: TaskList
let crontab: string
let workerUtils: WorkerUtils
let adminToken: string
let userToken: string
let userId: string
// Uploaded and processed up front, each used by one test (fresh: kept by all of them).
let ids: Record<'deleted' | 'fresh' | 'vanished' | 'sweep1' | 'sweep2', string> & {
	retention: string[]
}

beforeAll(async () => {
	s3 = await startRestartableS3(BUCKET)
	// Before the app modules load: config reads the environment once. The
	// child processes inherit the same variables.
	Object.assign(process.env, {
		STORAGE_DRIVER: 's3',
		S3_ENDPOINT: s3.endpoint,
		S3_BUCKET: BUCKET,
		S3_ACCESS_KEY_ID: 'S3RVER',
		S3_SECRET_ACCESS_KEY: 'S3RVER',
		S3_FORCE_PATH_STYLE: 'true',
		RETENTION_DAYS: '30',
		// Small batches, so every loop runs more than once.
		CLEANUP_BATCH_SIZE: '2',
		ORPHAN_MIN_AGE_MINUTES: '60',
		// Not under test here, and uploads come quickly.
		RATE_LIMIT_ENABLED: 'false',
	})
	;({ maintenanceTasks: tasks, crontab } = await import('#worker/crontab'))
	;({ storage } = await import('#app/storage/storage.server'))
	;({ sqlClient: sql } = await import('#app/db.server'))
	workerUtils = await makeWorkerUtils({ connectionString: process.env.DATABASE_URL })

	// The web process has no RETENTION_DAYS, so the sweep needs olderThanDays.
	// TRASH_DAYS=0: DELETE removes at once, the path that queues objects when
	// storage is down (with a trash, storage down is a 503; see trash.test.ts).
	;[web, worker] = await Promise.all([
		startWeb({ RETENTION_DAYS: '', TRASH_DAYS: '0' }),
		startWorker(),
	])
	// The first account of this fresh database is its admin (decision 011).
	adminToken = (await register(web.baseUrl, ADMIN_EMAIL)).token
	const user = await register(web.baseUrl)
	userToken = user.token
	userId = user.user.id
	const uploaded = await Promise.all(Array.from({ length: 8 }, (_, i) => uploadProcessed(i)))
	const [deleted, fresh, vanished, sweep1, sweep2] = uploaded as [
		string,
		string,
		string,
		string,
		string,
	]
	ids = { deleted, fresh, vanished, sweep1, sweep2, retention: uploaded.slice(5) }
	await worker.stop()
	worker = undefined
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await workerUtils?.release()
	await sql?.end()
	await s3?.destroy()
})

async function uploadProcessed(seed: number): Promise<string> {
	const bytes = await smallJpeg(120 + seed, 90)
	const response = await uploadFile(web.baseUrl, userToken, bytes, `photo-${seed}.jpg`)
	expect(response.status, await response.clone().text()).toBe(202)
	const { id } = (await response.json()) as { id: string }
	const image = await waitForTerminal(web.baseUrl, userToken, id)
	expect(image.overallStatus).toBe('completed')
	return id
}

const silentLogger = new Logger(() => () => {})

/** Queues one run of a maintenance task and runs it here, as the worker would; fails the test if the task threw. */
async function runTask(name: string) {
	await workerUtils.addJob(name, {}, { maxAttempts: 1 })
	await runOnce({
		connectionString: process.env.DATABASE_URL,
		taskList: tasks,
		logger: silentLogger,
		noHandleSignals: true,
	})
	// The task has finished; its job row goes (or gets its error) a moment later.
	for (let waited = 0; ; waited += 20) {
		const jobs =
			await sql`select last_error from graphile_worker.jobs where task_identifier = ${name}`
		if (jobs.length === 0) return
		if (jobs[0]!.last_error !== null || waited > 5000) {
			throw new Error(`${name} failed: ${jobs[0]!.last_error ?? 'still queued'}`)
		}
		await new Promise((resolve) => setTimeout(resolve, 20))
	}
}

/** Every key an image row points at. */
async function keysOf(imageId: string): Promise<string[]> {
	const [row] = await sql`
		select original_key, thumbnail->>'key' as thumbnail, optimized->>'key' as optimized
		from images where id = ${imageId}`
	expect(row, `image ${imageId} exists`).toBeDefined()
	return [row!.original_key, row!.thumbnail, row!.optimized] as string[]
}

const imageExists = async (id: string) =>
	(await sql`select 1 from images where id = ${id}`).length === 1

async function existing(keys: string[]): Promise<string[]> {
	const found = await Promise.all(keys.map((key) => storage.exists(key)))
	return keys.filter((_, i) => found[i])
}

async function collect(objects: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
	const all: ObjectInfo[] = []
	for await (const object of objects) all.push(object)
	return all.sort((a, b) => a.key.localeCompare(b.key))
}

test('the crontab parses and schedules every cleanup task once, without backfill', () => {
	const items = parseCrontab(crontab)
	const cleanups = Object.keys(tasks).filter((task) => task.startsWith('cleanup-'))
	// No BACKUP_SCHEDULE here: backups run only when asked.
	expect(items.map((item) => item.task).sort()).toEqual(cleanups.sort())
	for (const item of items) {
		expect(item.options.backfillPeriod).toBe(0)
		expect(item.options.maxAttempts).toBe(3)
		// A failing run is replaced by the next one rather than piling up.
		expect(item.options.jobKey).toBe(item.task)
	}
})

test('BACKUP_SCHEDULE adds one backup line: one attempt, in the backup queue, without backfill', async () => {
	const { backupCrontab } = await import('#app/backup/runs.server')
	const [item, ...rest] = parseCrontab(backupCrontab('0 3 * * *'))
	expect(rest).toHaveLength(0)
	expect(item).toMatchObject({
		task: 'backup',
		options: { backfillPeriod: 0, maxAttempts: 1, jobKey: 'backup', queueName: 'backup' },
	})
	expect(backupCrontab(undefined)).toBe('')
})

describe('deletion with storage down', () => {
	test('answers 204, queues every object, and the task removes them once storage is back', async () => {
		const keys = await keysOf(ids.deleted)
		expect(keys).toHaveLength(3)
		expect(await existing(keys)).toEqual(keys)

		await s3.stop()
		const response = await api(web.baseUrl, `/api/images/${ids.deleted}`, {
			method: 'DELETE',
			token: userToken,
		})
		expect(response.status, await response.text()).toBe(204)
		expect(await imageExists(ids.deleted)).toBe(false)
		const queued = await sql`select * from pending_deletions order by key`
		expect(queued.map((row) => row.key)).toEqual([...keys].sort())
		for (const row of queued) {
			expect(row.attempts).toBe(1)
			expect(row.reason).toBe('deleted by its owner')
			expect(row.last_error).toMatch(/Object storage is unavailable/)
		}

		// Still down: the task counts the attempt (stopping after the first
		// batch, as storage does not answer) and keeps every row.
		await expect(collect(storage.list('images/'))).rejects.toThrow(/unavailable/)
		await runTask('cleanup-pending-deletions')
		const retried = await sql`select attempts from pending_deletions order by key`
		expect(retried.map((row) => row.attempts)).toEqual([2, 2, 1])

		await s3.start()
		expect(await existing(keys)).toEqual(keys)
		await runTask('cleanup-pending-deletions')
		expect(await sql`select key from pending_deletions`).toHaveLength(0)
		expect(await existing(keys)).toEqual([])
	})
})

describe('retention', () => {
	test('the task removes images older than RETENTION_DAYS with their objects', async () => {
		const oldKeys = (await Promise.all(ids.retention.map(keysOf))).flat()
		const freshKeys = await keysOf(ids.fresh)
		await sql`update images set created_at = now() - interval '31 days' where id in ${sql(ids.retention)}`
		await sql`update images set created_at = now() - interval '29 days' where id = ${ids.fresh}`

		await runTask('cleanup-retention')

		for (const id of ids.retention) expect(await imageExists(id)).toBe(false)
		expect(await existing(oldKeys)).toEqual([])
		expect(await imageExists(ids.fresh)).toBe(true)
		expect(await existing(freshKeys)).toEqual(freshKeys)
		expect(await sql`select key from pending_deletions`).toHaveLength(0)
		// The jobs of the deleted images went with them.
		const jobs =
			await sql`select key from graphile_worker.jobs where key like ${`%${ids.retention[0]}`}`
		expect(jobs).toHaveLength(0)
	})

	test('the admin sweep is for admins only', async () => {
		const path = '/api/admin/retention/sweep'
		await expectProblem(await api(web.baseUrl, path, { method: 'POST', json: {} }), 401)
		const forbidden = api(web.baseUrl, path, { method: 'POST', token: userToken, json: {} })
		expect((await expectProblem(await forbidden, 403)).title).toBe('Forbidden')
		await expectProblem(await api(web.baseUrl, path, { token: adminToken }), 405)
	})

	test('the admin sweep needs a period: olderThanDays, or RETENTION_DAYS (unset in the web process)', async () => {
		const path = '/api/admin/retention/sweep'
		const none = await api(web.baseUrl, path, { method: 'POST', token: adminToken })
		const problem = await expectProblem(none, 422)
		expect(problem.errors?.map((e) => e.path)).toEqual(['olderThanDays'])
		for (const olderThanDays of [0, -1, 1.5, 'ten']) {
			const bad = { method: 'POST', token: adminToken, json: { olderThanDays } }
			await expectProblem(await api(web.baseUrl, path, bad), 422)
		}
		const malformed = { method: 'POST', token: adminToken, body: '{', headers: {} }
		await expectProblem(await api(web.baseUrl, path, malformed), 400)
	})

	test('the admin sweep removes what is older than olderThanDays and says how many', async () => {
		const swept = [ids.sweep1, ids.sweep2]
		const sweptKeys = (await Promise.all(swept.map(keysOf))).flat()
		await sql`update images set created_at = now() - interval '12 days' where id in ${sql(swept)}`
		await sql`update images set created_at = now() - interval '9 days' where id = ${ids.fresh}`
		const sweep = () =>
			api(web.baseUrl, '/api/admin/retention/sweep', {
				method: 'POST',
				token: adminToken,
				json: { olderThanDays: 10 },
			})

		const response = await sweep()
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ removed: 2 })
		for (const id of swept) expect(await imageExists(id)).toBe(false)
		expect(await existing(sweptKeys)).toEqual([])
		expect(await imageExists(ids.fresh)).toBe(true)
		expect(await (await sweep()).json()).toEqual({ removed: 0 })
	})
})

describe('orphaned objects', () => {
	test('old objects without a row go; fresh ones, owned ones and foreign ones stay', async () => {
		const orphanOld = `images/${userId}/${randomUUID()}/original.jpg`
		const orphanFresh = `images/${userId}/${randomUUID()}/original.jpg`
		const [ownedOld] = await keysOf(ids.fresh)
		const foreignOld = 'images/readme.txt'
		const outsideOld = `exports/${randomUUID()}/original.jpg`
		for (const key of [orphanOld, orphanFresh, foreignOld, outsideOld]) {
			await storage.put(key, Buffer.from(key), 'application/octet-stream')
		}
		for (const key of [orphanOld, ownedOld!, foreignOld, outsideOld]) await s3.age(key, 2 * 3600)
		const listed = await collect(storage.list('images/'))
		expect(listed.find((o) => o.key === orphanOld)!.lastModified.getTime()).toBeLessThan(
			Date.now() - 3600_000,
		)

		await runTask('cleanup-orphans')

		expect(await existing([orphanOld, orphanFresh, ownedOld!, foreignOld, outsideOld])).toEqual([
			orphanFresh,
			ownedOld,
			foreignOld,
			outsideOld,
		])
		expect(await imageExists(ids.fresh)).toBe(true)
	})
})

describe('vanished originals', () => {
	test('a finished image whose original is gone is marked failed with a reason', async () => {
		const [original] = await keysOf(ids.vanished)
		await storage.delete([original!])
		// One batch (CLEANUP_BATCH_SIZE) a run, taking turns: enough runs to come round to every row.
		const [{ count }] = (await sql`select count(*)::int as count from images`) as [
			{ count: number },
		]
		for (let run = 0; run <= Math.ceil(count / 2); run++) await runTask('cleanup-missing-originals')

		const image = await getImage(web.baseUrl, userToken, ids.vanished)
		expect(image).toMatchObject({
			status: 'failed',
			overallStatus: 'failed',
			error: MISSING_ORIGINAL,
		})
		expect((await getImage(web.baseUrl, userToken, ids.fresh)).overallStatus).toBe('completed')
	})
})

describe('expired rows', () => {
	test('old sessions, idempotency keys and rate-limit windows go; live ones stay', async () => {
		const session = (name: string, expires: string, revoked: string | null) =>
			sql`insert into sessions (user_id, kind, token_hash, expires_at, revoked_at)
				values (${userId}, 'token', ${`${name}-${randomUUID()}`}, now() + ${expires}::interval,
					now() + ${revoked}::interval)
				returning id`.then(([row]) => row!.id as string)
		const sessions = {
			expiredLong: await session('expired-long', '-2 days', null),
			expiredRecently: await session('expired-recently', '-1 hour', null),
			revokedLong: await session('revoked-long', '10 days', '-2 days'),
			revokedRecently: await session('revoked-recently', '10 days', '-1 hour'),
			live: await session('live', '10 days', null),
		}
		const keyOld = `old-${randomUUID()}`
		const keyFresh = `fresh-${randomUUID()}`
		await sql`insert into idempotency_keys (user_id, key, image_id, sha256, created_at) values
			(${userId}, ${keyOld}, ${ids.fresh}, 'x', now() - interval '25 hours'),
			(${userId}, ${keyFresh}, ${ids.fresh}, 'x', now() - interval '23 hours')`
		const limitExpired = `test:${randomUUID()}`
		const limitLive = `test:${randomUUID()}`
		await sql`insert into rate_limits (key, window_start, count, expires_at) values
			(${limitExpired}, now() - interval '2 minutes', 5, now() - interval '1 second'),
			(${limitLive}, now(), 5, now() + interval '1 minute')`

		await runTask('cleanup-expired-rows')

		const remaining = await sql`select id from sessions where id in ${sql(Object.values(sessions))}`
		expect(remaining.map((row) => row.id).sort()).toEqual(
			[sessions.expiredRecently, sessions.revokedRecently, sessions.live].sort(),
		)
		const keys = await sql`select key from idempotency_keys where key in ${sql([keyOld, keyFresh])}`
		expect(keys.map((row) => row.key)).toEqual([keyFresh])
		const limits =
			await sql`select key from rate_limits where key in ${sql([limitExpired, limitLive])}`
		expect(limits.map((row) => row.key)).toEqual([limitLive])
		// The users' own sessions are live and keep working.
		expect((await api(web.baseUrl, '/api/me', { token: userToken })).status).toBe(200)
	})
})

describe('storage.list', () => {
	const keys = ['listing/a/1/x.jpg', 'listing/a/1/y.jpg', 'listing/a/2/z.jpg', 'listing/ab/w.jpg']

	async function expectListing(driver: Storage) {
		for (const key of [...keys, 'listing/b/v.jpg']) await driver.put(key, Buffer.from(key), 'x/y')
		const all = await collect(driver.list('listing/a'))
		expect(all.map((o) => o.key)).toEqual(keys)
		for (const object of all) {
			expect(object.size).toBe(object.key.length)
			expect(Math.abs(object.lastModified.getTime() - Date.now())).toBeLessThan(60_000)
		}
		expect((await collect(driver.list('listing/a/'))).map((o) => o.key)).toEqual(keys.slice(0, 3))
		expect((await collect(driver.list('listing/a/1/y'))).map((o) => o.key)).toEqual([keys[1]])
		expect(await collect(driver.list('listing/none/'))).toEqual([])
		expect(() => driver.list('../')).toThrow(/Invalid storage prefix/)
	}

	test('s3: every page of ListObjectsV2', async () => {
		const { createS3Storage } = await import('#app/storage/s3.server')
		const paged = createS3Storage({
			endpoint: s3.endpoint,
			region: 'us-east-1',
			bucket: BUCKET,
			accessKeyId: 'S3RVER',
			secretAccessKey: 'S3RVER',
			forcePathStyle: true,
			// Two keys a page: four objects take several requests.
			listPageSize: 2,
		})
		await expectListing(paged)
	})

	test('local: walks the directories, skipping temp files', async () => {
		const { createLocalStorage } = await import('#app/storage/local.server')
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-list-'))
		try {
			const local = createLocalStorage({ root, secretKey: 'k'.repeat(32) })
			fs.mkdirSync(path.join(root, 'listing/a/1'), { recursive: true })
			fs.writeFileSync(path.join(root, 'listing/a/1/.x.jpg.abc.tmp'), 'partial')
			await expectListing(local)
		} finally {
			fs.rmSync(root, { recursive: true, force: true })
		}
	})
})

// ---------------------------------------------------------------------------

type RestartableS3 = {
	endpoint: string
	/** Stops the server process (connections refused); the objects stay on disk. */
	stop: () => Promise<void>
	/** Starts it again on the same port, with the same objects. */
	start: () => Promise<void>
	/** Sets an object's modification time `seconds` into the past (s3rver reports the file's mtime). */
	age: (key: string, seconds: number) => Promise<void>
	/** Stops for good and removes the files. */
	destroy: () => Promise<void>
}

// s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3
// only offers through its legacy provider: without it every truncated listing
// is a 500. So it runs in a process of its own, which is also what "storage
// down" really looks like.
const S3RVER_SCRIPT = `
import S3rver from 's3rver'
const [port, directory, bucket] = process.argv.slice(1)
const server = new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] })
const { port: bound } = await server.run()
console.log(bound)
`

/** s3rver that can stop and start again with its objects (tests/support/s3.ts deletes them on stop). */
async function startRestartableS3(bucket: string): Promise<RestartableS3> {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-s3-'))
	let child: ChildProcess | undefined
	let port = 0
	const start = async () => {
		const started = spawn(
			process.execPath,
			['--openssl-legacy-provider', '--input-type=module', '-e', S3RVER_SCRIPT, '--'].concat([
				String(port),
				directory,
				bucket,
			]),
			{ cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
		)
		child = started
		const [line] = (await once(readline.createInterface({ input: started.stdout! }), 'line')) as [
			string,
		]
		port = Number(line)
	}
	const stop = async () => {
		if (!child || child.exitCode !== null) return
		const exited = once(child, 'exit')
		child.kill('SIGKILL')
		await exited
	}
	process.once('exit', () => child?.kill('SIGKILL'))
	await start()
	return {
		endpoint: `http://127.0.0.1:${port}`,
		start,
		stop,
		async age(key, seconds) {
			const file = path.join(directory, bucket, `${key}._S3rver_object`)
			const when = new Date(Date.now() - seconds * 1000)
			await fs.promises.utimes(file, when, when)
		},
		async destroy() {
			await stop()
			fs.rmSync(directory, { recursive: true, force: true })
		},
	}
}
