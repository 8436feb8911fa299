import fs from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashImageTask } from '#worker/tasks/hash-image'
import {
	api,
	type AppProcess,
	expectProblem,
	getImage,
	type ImageDetail,
	type ImageList,
	listFiles,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '#tests/support/app'

// Duplicates end to end: real web and worker processes on this file's own
// database and storage, real photos (tests/fixtures) and copies of them.

const storageDir = path.join(process.env.DATA_DIR!, 'storage')
const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
let web: WebProcess
let worker: AppProcess
let photo: Buffer
let otherPhoto: Buffer

beforeAll(async () => {
	const fixture = (name: string) => fs.readFile(path.join(import.meta.dirname, '../fixtures', name))
	;[web, worker, photo, otherPhoto] = await Promise.all([
		startWeb({ RATE_LIMIT_ENABLED: 'false' }),
		startWorker(),
		fixture('grace-hopper.jpg'),
		fixture('board.jpg'),
	])
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql.end()
})

const setPolicy = (value: 'keep' | 'refuse') => sql`
	insert into instance_settings (key, value) values ('duplicate-uploads', ${value})
	on conflict (key) do update set value = excluded.value`

async function upload(token: string, bytes: Buffer, filename: string, headers = {}) {
	const response = await uploadFile(web.baseUrl, token, bytes, filename, headers)
	expect(response.status, await response.clone().text()).toBe(202)
	return (await response.json()) as ImageDetail
}

type Groups = {
	groups: Array<{
		keep: string
		others: string[]
		images: Array<{
			id: string
			filename: string
			width: number
			height: number
			byteSize: number
			thumbnailUrl: string | null
			distance: number
			identical: boolean
		}>
	}>
	total: number
	threshold: number
}

async function groupsOf(token: string): Promise<Groups> {
	const response = await api(web.baseUrl, '/api/duplicates', { token })
	expect(response.status).toBe(200)
	return (await response.json()) as Groups
}

const resolve = (token: string, groups: Array<{ keep: string; delete: string[] }>) =>
	api(web.baseUrl, '/api/duplicates/resolve', { method: 'POST', token, json: { groups } })

describe('exact duplicates at upload', () => {
	it('keeps a repeated file by default, marked duplicateOf the first, per owner', async () => {
		await setPolicy('keep')
		const { token } = await register(web.baseUrl)
		const first = await upload(token, photo, 'hopper.jpg')
		const again = await upload(token, photo, 'hopper-again.jpg')
		expect(first.duplicateOf).toBeNull()
		expect(again.duplicateOf).toBe(first.id)
		expect((await getImage(web.baseUrl, token, again.id)).duplicateOf).toBe(first.id)
		const list = (await (await api(web.baseUrl, '/api/images', { token })).json()) as ImageList
		expect(Object.fromEntries(list.items.map((item) => [item.id, item.duplicateOf]))).toEqual({
			[first.id]: null,
			[again.id]: first.id,
		})
		// Someone else's copy of the same file is nobody's duplicate.
		const stranger = await register(web.baseUrl)
		expect((await upload(stranger.token, photo, 'mine.jpg')).duplicateOf).toBeNull()
	})

	it('refuses a repeated file with 409 naming the image, storing nothing', async () => {
		const { token, user } = await register(web.baseUrl)
		const first = await upload(token, photo, 'hopper.jpg')
		// Its variants written first, so the files compared below are only the upload's.
		await waitForTerminal(web.baseUrl, token, first.id)
		await setPolicy('refuse')
		try {
			const filesBefore = listFiles(storageDir)
			const response = await uploadFile(web.baseUrl, token, photo, 'hopper-copy.jpg')
			const problem = await expectProblem(response, 409)
			expect(problem).toMatchObject({
				type: 'https://darkroom.dev/problems/duplicate-image',
				duplicateOf: first.id,
				duplicateUrl: `/api/images/${first.id}`,
			})
			const rows = await sql`select id from images where user_id = ${user.id}`
			expect(rows.map((row) => row.id)).toEqual([first.id])
			expect(listFiles(storageDir)).toEqual(filesBefore)
			// A different file still goes in.
			expect((await upload(token, otherPhoto, 'board.jpg')).duplicateOf).toBeNull()
		} finally {
			await setPolicy('keep')
		}
	})

	it('answers a repeated Idempotency-Key with its image, not as a duplicate', async () => {
		const { token } = await register(web.baseUrl)
		await setPolicy('refuse')
		try {
			const headers = { 'Idempotency-Key': 'dup-test-1' }
			const first = await upload(token, photo, 'hopper.jpg', headers)
			const response = await uploadFile(web.baseUrl, token, photo, 'hopper.jpg', headers)
			expect(response.status).toBe(202)
			expect(response.headers.get('Idempotent-Replayed')).toBe('true')
			expect(((await response.json()) as ImageDetail).id).toBe(first.id)
		} finally {
			await setPolicy('keep')
		}
	})
})

describe('an original and its duplicate in one batch', () => {
	it('are processed again while a worker is completing the duplicate, without a deadlock', async () => {
		await setPolicy('keep')
		const { token } = await register(web.baseUrl)
		const done = async (name: string) =>
			waitForTerminal(web.baseUrl, token, (await upload(token, photo, name)).id)
		const original = await done('first.jpg')
		// A copy whose id sorts after the original's, so the batch locks the original first.
		let copy = await done('copy.jpg')
		while (copy.id < original.id) copy = await done('copy.jpg')
		expect(copy.duplicateOf).toBe(original.id)

		// A worker's transaction that has updated the copy once, as completing a stage does...
		const worker = await sql.reserve()
		try {
			await worker`begin`
			await worker`update images set updated_at = now() where id = ${copy.id}`
			const batch = api(web.baseUrl, '/api/images/process', {
				method: 'POST',
				token,
				json: { ids: [original.id, copy.id], stages: ['image'] },
			})
			// ...while the batch holds the original and waits for the copy...
			for (let waited = 0; ; waited += 50) {
				const [{ waiting }] = await sql<[{ waiting: number }]>`
					select count(*)::int as waiting from pg_stat_activity
					where datname = current_database() and wait_event_type = 'Lock'
					and query like '%from "images"%for%update%'`
				if (waiting > 0) break
				if (waited > 10_000) throw new Error('The batch never waited for the copy')
				await new Promise((resolve) => setTimeout(resolve, 50))
			}
			// ...updates it again: the second update of a row checks its foreign key,
			// locking the original FOR KEY SHARE, which FOR UPDATE would block.
			await worker`update images set updated_at = now() where id = ${copy.id}`
			await worker`commit`
			expect((await batch).status).toBe(202)
		} finally {
			worker.release()
		}
	})
})

describe('near-duplicate groups', () => {
	let token: string
	let original: ImageDetail
	let copies: ImageDetail[]
	let different: ImageDetail
	let exactTwin: ImageDetail

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
		const { width } = await sharp(photo).metadata()
		// At quality 75, so the original stays the largest file of its pixel count.
		const rotatedPixels = await sharp(photo).rotate(270).jpeg({ quality: 75 }).toBuffer()
		const [q60, half, oriented] = await Promise.all([
			sharp(photo).jpeg({ quality: 60 }).toBuffer(),
			sharp(photo)
				.resize({ width: Math.round(width / 2) })
				.jpeg()
				.toBuffer(),
			sharp(rotatedPixels).withMetadata({ orientation: 6 }).toBuffer(),
		])
		original = await upload(token, photo, 'hopper.jpg')
		copies = [
			await upload(token, q60, 'hopper-q60.jpg'),
			await upload(token, half, 'hopper-half.jpg'),
			await upload(token, oriented, 'hopper-rotated.jpg'),
		]
		different = await upload(token, otherPhoto, 'board.jpg')
		exactTwin = await upload(token, otherPhoto, 'board-again.jpg')
		for (const image of [original, ...copies, different, exactTwin]) {
			expect((await waitForTerminal(web.baseUrl, token, image.id)).status).toBe('completed')
		}
	})

	it('groups copies of one photo, suggests the largest original, leaves a different photo out', async () => {
		const { groups, total } = await groupsOf(token)
		expect(total).toBe(2)
		const hopper = groups.find((group) => group.keep === original.id)
		expect(hopper, JSON.stringify(groups)).toBeDefined()
		expect(new Set(hopper!.others)).toEqual(new Set(copies.map((copy) => copy.id)))
		const keeper = hopper!.images[0]!
		expect(keeper).toMatchObject({ id: original.id, width: 512, height: 600, distance: 0 })
		expect(keeper.thumbnailUrl).toMatch(/^http/)
		for (const image of hopper!.images.slice(1)) {
			expect(image.distance).toBeLessThanOrEqual((await groupsOf(token)).threshold)
			expect(image.identical).toBe(false)
		}
		// The other photo and its exact copy: one group of their own, the same file.
		const board = groups.find((group) => group.images.some((image) => image.id === different.id))
		expect(board!.images.map((image) => image.identical)).toEqual([true, true])
		expect(new Set([board!.keep, ...board!.others])).toEqual(new Set([different.id, exactTwin.id]))
		// Oldest wins a tie of pixels and bytes.
		expect(board!.keep).toBe(different.id)
	})

	it('hash-image computes the stored hash again for an image without one', async () => {
		const [before] = await sql`select phash from images where id = ${copies[0]!.id}`
		expect(before!.phash).not.toBeNull()
		await sql`update images set phash = null where id = ${copies[0]!.id}`
		await hashImageTask({ imageId: copies[0]!.id }, { job: { id: 'test', attempts: 1 } } as never)
		const [after] = await sql`select phash from images where id = ${copies[0]!.id}`
		expect(after!.phash).toBe(before!.phash)
	})

	it('refuses to resolve with images of another user, changing nothing', async () => {
		const stranger = await register(web.baseUrl)
		expect((await groupsOf(stranger.token)).groups).toEqual([])
		const response = await resolve(stranger.token, [
			{ keep: original.id, delete: copies.map((copy) => copy.id) },
		])
		await expectProblem(response, 404)
		// Their own image as keeper does not make someone else's deletable either.
		const own = await upload(stranger.token, otherPhoto, 'theirs.jpg')
		await expectProblem(
			await resolve(stranger.token, [{ keep: own.id, delete: [original.id] }]),
			404,
		)
		expect((await groupsOf(token)).total).toBe(2)
	})

	it('refuses a group that deletes its own keeper', async () => {
		await expectProblem(await resolve(token, [{ keep: original.id, delete: [original.id] }]), 422)
	})

	it('resolving moves the others to the Trash and the groups go away', async () => {
		const { groups } = await groupsOf(token)
		const response = await resolve(
			token,
			groups.map((group) => ({ keep: group.keep, delete: group.others })),
		)
		expect(response.status).toBe(200)
		const { deleted } = (await response.json()) as { deleted: string[] }
		const expected = [...copies.map((copy) => copy.id), exactTwin.id]
		expect(new Set(deleted)).toEqual(new Set(expected))
		const trash = (await (await api(web.baseUrl, '/api/trash', { token })).json()) as {
			items: Array<{ id: string }>
		}
		expect(new Set(trash.items.map((item) => item.id))).toEqual(new Set(expected))
		expect(await groupsOf(token)).toMatchObject({ groups: [], total: 0 })
		expect((await getImage(web.baseUrl, token, original.id)).id).toBe(original.id)
	})
})
