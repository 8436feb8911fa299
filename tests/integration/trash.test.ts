import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupTrashTask } from '#worker/tasks/cleanup-trash'
import {
	api,
	expectProblem,
	getImage,
	type ImageDetail,
	listFiles,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type AppProcess,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'
import { startRestartableS3, type RestartableS3 } from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'

// The trash end to end: a real web process (and worker) on this file's own
// database and DATA_DIR (local storage under $DATA_DIR/storage); the outage
// case runs on its own s3rver, stopped under the running web process.

const storageDir = path.join(process.env.DATA_DIR!, 'storage')
const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
let web: WebProcess
let worker: AppProcess | undefined
let jpeg: Buffer

beforeAll(async () => {
	;[web, jpeg] = await Promise.all([startWeb({ RATE_LIMIT_ENABLED: 'false' }), smallJpeg(320, 240)])
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql.end()
})

type TrashList = {
	items: Array<{ id: string; filename: string; deletedAt: string; expiresAt: string }>
	total: number
}

async function upload(baseUrl: string, token: string, filename = 'photo.jpg') {
	const response = await uploadFile(baseUrl, token, jpeg, filename)
	expect(response.status).toBe(202)
	return (await response.json()) as ImageDetail
}

const del = (baseUrl: string, token: string, id: string) =>
	api(baseUrl, `/api/images/${id}`, { method: 'DELETE', token })

const restore = (baseUrl: string, token: string, id: string) =>
	api(baseUrl, `/api/trash/${id}/restore`, { method: 'POST', token })

async function trashOf(baseUrl: string, token: string): Promise<TrashList> {
	const response = await api(baseUrl, '/api/trash', { token })
	expect(response.status).toBe(200)
	return (await response.json()) as TrashList
}

const signedStatus = async (url: string) => {
	const response = await fetch(new URL(url, web.baseUrl))
	await response.body?.cancel()
	return response.status
}

const variantUrls = (image: ImageDetail) => [
	image.variants.original.url,
	image.variants.thumbnail!.url,
	image.variants.optimized!.url,
]

const imageJobs = async (id: string) =>
	(
		await sql<{ key: string }[]>`
			select key from graphile_worker.jobs
			where key in (${`process-image:${id}`}, ${`analyze-image:${id}`}, ${`embed-image:${id}`})
			order by key`
	).map((row) => row.key)

const rowOf = async (id: string) =>
	(await sql<{ deleted_at: Date | null }[]>`select deleted_at from images where id = ${id}`)[0]

const filesOf = (userId: string, id: string) => ({
	live: listFiles(path.join(storageDir, 'images', userId, id)),
	trash: listFiles(path.join(storageDir, 'trash', 'images', userId, id)),
})

describe('trash', () => {
	// Before any worker runs, so the image stays pending and its job waits.
	it('delete removes the image’s queued job; restore queues its unfinished stage again', async () => {
		const { token } = await register(web.baseUrl)
		const image = await upload(web.baseUrl, token, 'pending.jpg')
		// A search embedding queued for it too (as the backfill or the AI stage would).
		await sql`select graphile_worker.add_job('embed-image', json_build_object('imageId', ${image.id}::text),
			job_key := ${`embed-image:${image.id}`})`
		expect(await imageJobs(image.id)).toEqual([
			`embed-image:${image.id}`,
			`process-image:${image.id}`,
		])

		expect((await del(web.baseUrl, token, image.id)).status).toBe(204)
		expect(await imageJobs(image.id)).toEqual([])

		expect((await restore(web.baseUrl, token, image.id)).status).toBe(200)
		expect(await imageJobs(image.id)).toEqual([`process-image:${image.id}`])
		worker = await startWorker()
		expect((await waitForTerminal(web.baseUrl, token, image.id)).overallStatus).toBe('completed')
	}, 60_000)

	it('DELETE: the image is 404, its signed links stop working; restore brings both back', async () => {
		const { token, user } = await register(web.baseUrl)
		const image = await waitForTerminal(
			web.baseUrl,
			token,
			(await upload(web.baseUrl, token, 'beach.jpg')).id,
		)
		const urls = variantUrls(image)
		for (const url of urls) expect(await signedStatus(url)).toBe(200)

		expect((await del(web.baseUrl, token, image.id)).status).toBe(204)
		await expectProblem(await api(web.baseUrl, `/api/images/${image.id}`, { token }), 404)
		await expectProblem(await api(web.baseUrl, `/api/images/${image.id}/download`, { token }), 404)
		for (const url of urls) expect(await signedStatus(url)).toBe(404)
		const list = (await (await api(web.baseUrl, '/api/images', { token })).json()) as {
			total: number
		}
		expect(list.total).toBe(0)
		expect(filesOf(user.id, image.id).live).toEqual([])
		expect(filesOf(user.id, image.id).trash.length).toBeGreaterThanOrEqual(3)
		// A second DELETE finds nothing to delete.
		await expectProblem(await del(web.baseUrl, token, image.id), 404)

		const trash = await trashOf(web.baseUrl, token)
		expect(trash.total).toBe(1)
		const [item] = trash.items
		expect(item).toMatchObject({ id: image.id, filename: 'beach.jpg' })
		const days = (Date.parse(item!.expiresAt) - Date.parse(item!.deletedAt)) / 86_400_000
		expect(days).toBe(30)

		const restored = await restore(web.baseUrl, token, image.id)
		expect(restored.status).toBe(200)
		expect(((await restored.json()) as ImageDetail).id).toBe(image.id)
		for (const url of urls) expect(await signedStatus(url)).toBe(200)
		expect((await getImage(web.baseUrl, token, image.id)).overallStatus).toBe('completed')
		expect((await trashOf(web.baseUrl, token)).total).toBe(0)
		expect(filesOf(user.id, image.id).trash).toEqual([])
		// Restoring what is not in the trash is a 404.
		await expectProblem(await restore(web.baseUrl, token, image.id), 404)
	}, 60_000)

	it('DELETE /api/trash purges every trashed image and its files at once', async () => {
		const { token, user } = await register(web.baseUrl)
		const kept = await upload(web.baseUrl, token, 'kept.jpg')
		const doomed = await Promise.all(
			['one.jpg', 'two.jpg'].map((name) => upload(web.baseUrl, token, name)),
		)
		for (const image of [kept, ...doomed]) await waitForTerminal(web.baseUrl, token, image.id)
		for (const image of doomed) expect((await del(web.baseUrl, token, image.id)).status).toBe(204)

		const response = await api(web.baseUrl, '/api/trash', { method: 'DELETE', token })
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ purged: 2 })
		expect((await trashOf(web.baseUrl, token)).total).toBe(0)
		for (const image of doomed) {
			expect(await rowOf(image.id)).toBeUndefined()
			expect(filesOf(user.id, image.id)).toEqual({ live: [], trash: [] })
			await expectProblem(await restore(web.baseUrl, token, image.id), 404)
		}
		expect((await getImage(web.baseUrl, token, kept.id)).filename).toBe('kept.jpg')
		expect(
			await (await api(web.baseUrl, '/api/trash', { method: 'DELETE', token })).json(),
		).toEqual({ purged: 0 })
	}, 60_000)

	it('the hourly task purges only images trashed more than TRASH_DAYS ago', async () => {
		const { token, user } = await register(web.baseUrl)
		const old = await waitForTerminal(
			web.baseUrl,
			token,
			(await upload(web.baseUrl, token, 'old.jpg')).id,
		)
		const recent = await upload(web.baseUrl, token, 'recent.jpg')
		await waitForTerminal(web.baseUrl, token, recent.id)
		for (const image of [old, recent]) await del(web.baseUrl, token, image.id)
		await sql`update images set deleted_at = now() - interval '30 days 1 minute' where id = ${old.id}`

		await cleanupTrashTask({}, { job: { id: 'test' } } as never)

		expect(await rowOf(old.id)).toBeUndefined()
		expect(filesOf(user.id, old.id)).toEqual({ live: [], trash: [] })
		expect((await rowOf(recent.id))?.deleted_at).toBeInstanceOf(Date)
		expect((await trashOf(web.baseUrl, token)).items.map((item) => item.id)).toEqual([recent.id])
	}, 60_000)

	it('webhooks hear image.deleted once: when it goes to the trash, not on restore or purge', async () => {
		const { token, user } = await register(web.baseUrl)
		// Set up in SQL: only the trigger's bookkeeping matters here, not a delivery.
		const [hook] = await sql<{ id: string }[]>`
			insert into webhooks (user_id, url, events, secret_encrypted)
			values (${user.id}, 'https://hooks.example.test/x', ${['image.deleted']}, 'unused')
			returning id`
		const deletedEvents = async () =>
			(
				await sql<{ n: number }[]>`
					select count(*)::int as n from webhook_deliveries
					where webhook_id = ${hook!.id} and event_type = 'image.deleted'`
			)[0]!.n
		const image = await upload(web.baseUrl, token, 'hooked.jpg')
		await waitForTerminal(web.baseUrl, token, image.id)

		expect((await del(web.baseUrl, token, image.id)).status).toBe(204)
		expect(await deletedEvents()).toBe(1)
		expect((await restore(web.baseUrl, token, image.id)).status).toBe(200)
		expect(await deletedEvents()).toBe(1)
		expect((await del(web.baseUrl, token, image.id)).status).toBe(204)
		expect(await deletedEvents()).toBe(2)
		await api(web.baseUrl, '/api/trash', { method: 'DELETE', token })
		expect(await rowOf(image.id)).toBeUndefined()
		expect(await deletedEvents()).toBe(2)
		await sql`delete from webhooks where id = ${hook!.id}`
	}, 60_000)

	it('a stranger’s image is 404 to delete and to restore, and not in their trash', async () => {
		const owner = await register(web.baseUrl)
		const stranger = await register(web.baseUrl)
		const image = await upload(web.baseUrl, owner.token, 'mine.jpg')
		await expectProblem(await del(web.baseUrl, stranger.token, image.id), 404)
		expect((await rowOf(image.id))?.deleted_at).toBeNull()

		expect((await del(web.baseUrl, owner.token, image.id)).status).toBe(204)
		await expectProblem(await restore(web.baseUrl, stranger.token, image.id), 404)
		expect((await trashOf(web.baseUrl, stranger.token)).total).toBe(0)
		expect(
			await (
				await api(web.baseUrl, '/api/trash', { method: 'DELETE', token: stranger.token })
			).json(),
		).toEqual({ purged: 0 })
		expect((await trashOf(web.baseUrl, owner.token)).total).toBe(1)
		await expectProblem(await restore(web.baseUrl, owner.token, 'not-a-uuid'), 404)
	}, 60_000)
})

describe('TRASH_DAYS=0', () => {
	it('deletes at once: row and files gone, nothing in the trash', async () => {
		const now = await startWeb({ TRASH_DAYS: '0' })
		try {
			const { token, user } = await register(now.baseUrl)
			const image = await waitForTerminal(
				now.baseUrl,
				token,
				(await upload(now.baseUrl, token, 'gone.jpg')).id,
			)
			expect((await del(now.baseUrl, token, image.id)).status).toBe(204)
			expect(await rowOf(image.id)).toBeUndefined()
			expect(filesOf(user.id, image.id)).toEqual({ live: [], trash: [] })
			expect((await trashOf(now.baseUrl, token)).total).toBe(0)
			await expectProblem(await restore(now.baseUrl, token, image.id), 404)
		} finally {
			await now.stop()
		}
	}, 60_000)
})

describe('storage down', () => {
	let s3: RestartableS3 | undefined
	let s3web: WebProcess | undefined
	afterAll(async () => {
		await s3web?.stop()
		await s3?.destroy()
	})

	const objectsUnder = async (prefix: string) => {
		const client = new S3Client({
			endpoint: s3!.endpoint,
			region: 'us-east-1',
			forcePathStyle: true,
			credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
		})
		try {
			const listed = await client.send(
				new ListObjectsV2Command({ Bucket: s3!.bucket, Prefix: prefix }),
			)
			return (listed.Contents ?? []).map((object) => object.Key!).sort()
		} finally {
			client.destroy()
		}
	}

	it('DELETE answers 503 and changes nothing; with S3 back, delete and restore move the objects', async () => {
		// The local-storage worker of the tests above must not take this image's job.
		await worker?.stop()
		s3 = await startRestartableS3('darkroom-trash')
		s3web = await startWeb({ ...s3.env, RATE_LIMIT_ENABLED: 'false' })
		const { token, user } = await register(s3web.baseUrl)
		const image = await upload(s3web.baseUrl, token, 'outage.jpg')
		const before = await objectsUnder(`images/${user.id}/`)
		expect(before).toHaveLength(1)

		await s3.stop()
		const response = await del(s3web.baseUrl, token, image.id)
		await expectProblem(response, 503)
		expect(response.headers.get('Retry-After')).toMatch(/^\d+$/)
		await s3.start()

		expect((await rowOf(image.id))?.deleted_at).toBeNull()
		expect(await imageJobs(image.id)).toEqual([`process-image:${image.id}`])
		expect(await objectsUnder(`images/${user.id}/`)).toEqual(before)
		expect(await objectsUnder('trash/')).toEqual([])

		// The S3 driver's move (copy, then delete) both ways.
		expect((await del(s3web.baseUrl, token, image.id)).status).toBe(204)
		expect(await objectsUnder(`images/${user.id}/`)).toEqual([])
		expect(await objectsUnder('trash/')).toEqual(before.map((key) => `trash/${key}`))
		expect((await restore(s3web.baseUrl, token, image.id)).status).toBe(200)
		expect(await objectsUnder(`images/${user.id}/`)).toEqual(before)
		expect(await objectsUnder('trash/')).toEqual([])
	}, 90_000)
})
