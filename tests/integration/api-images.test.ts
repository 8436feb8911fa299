import { createHash, randomUUID } from 'node:crypto'
import net from 'node:net'
import path from 'node:path'
import postgres from 'postgres'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	getImage,
	type ImageDetail,
	type ImageList,
	listFiles,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type AppProcess,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'
import {
	htmlBytes,
	largeJpeg,
	pdfBytes,
	pixelBombPng,
	pngImage,
	smallJpeg,
	svgBytes,
	textBytes,
	truncatedJpeg,
} from '#tests/support/images'

// The image API end to end: a real web process and a real worker on this
// file's own database and DATA_DIR (local storage under $DATA_DIR/storage).

const dataDir = process.env.DATA_DIR!
const storageDir = path.join(dataDir, 'storage')

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let jpeg: Buffer
let png: Buffer
let large: Promise<Buffer> | undefined
/** The 12 MP JPEG (about 4 MB), made once: it takes a while on 2 cores. */
const twelveMegapixelJpeg = () => (large ??= largeJpeg())

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	;[web, worker, jpeg, png] = await Promise.all([
		startWeb(),
		startWorker(),
		smallJpeg(320, 240),
		pngImage(),
	])
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** Uploads and returns the 202 body; fails the test on any other answer. */
async function upload(
	token: string,
	bytes: Uint8Array,
	filename = 'photo.jpg',
	headers: Record<string, string> = {},
): Promise<ImageDetail> {
	const response = await uploadFile(web.baseUrl, token, bytes, filename, headers)
	const text = await response.text()
	expect(response.status, text).toBe(202)
	return JSON.parse(text) as ImageDetail
}

async function uploadAndProcess(token: string, bytes: Uint8Array, filename?: string) {
	const image = await upload(token, bytes, filename)
	return waitForTerminal(web.baseUrl, token, image.id)
}

/** Follows a signed URL as a browser would: no credentials, just the URL. */
async function fetchSigned(url: string) {
	const response = await fetch(new URL(url, web.baseUrl))
	return { response, bytes: Buffer.from(await response.arrayBuffer()) }
}

const isWebp = (bytes: Buffer) =>
	bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
	bytes.subarray(8, 12).toString('latin1') === 'WEBP'

/** What a rejected request could leave behind: rows, jobs, and files anywhere under DATA_DIR. */
async function snapshot() {
	const [counts] = await sql<[{ images: number; jobs: number }]>`
		select
			(select count(*)::int from images) as images,
			-- Image work only: a scheduled maintenance job may come and go meanwhile.
			(select count(*)::int from graphile_worker.jobs where task_identifier like '%image%') as jobs
	`
	return { ...counts, files: listFiles(dataDir) }
}

/** The user's images, not counting those an earlier test moved to the trash. */
const imageCountOf = async (userId: string) => {
	const [row] = await sql<
		[{ n: number }]
	>`select count(*)::int as n from images where user_id = ${userId} and deleted_at is null`
	return row.n
}

describe('uploading and processing a 12 MP JPEG', () => {
	let token: string
	let bytes: Buffer
	let accepted: ImageDetail
	let done: ImageDetail

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
		bytes = await twelveMegapixelJpeg()
	})

	it('answers 202 with Location and the pending image detail', async () => {
		const response = await uploadFile(
			web.baseUrl,
			token,
			bytes,
			'holiday.jpg',
			{},
			{
				type: 'image/jpeg',
			},
		)
		expect(response.status).toBe(202)
		accepted = (await response.json()) as ImageDetail
		expect(response.headers.get('Location')).toBe(`/api/images/${accepted.id}`)
		expect(Object.keys(accepted)).toEqual(
			expect.arrayContaining([
				'id',
				'filename',
				'contentType',
				'byteSize',
				'sha256',
				'createdAt',
				'updatedAt',
				'width',
				'height',
				'format',
				'status',
				'aiStatus',
				'overallStatus',
				'error',
				'aiError',
				'metadata',
				'variants',
				'urlsExpireAt',
				'ai',
			]),
		)
		expect(accepted).toMatchObject({
			filename: 'holiday.jpg',
			contentType: 'image/jpeg',
			byteSize: bytes.length,
			sha256: sha256(bytes),
			width: 4000,
			height: 3000,
			format: 'jpeg',
			status: 'pending',
			aiStatus: 'pending',
			overallStatus: 'pending',
			error: null,
			aiError: null,
			metadata: null,
			ai: null,
		})
		expect(accepted.id).toMatch(uuidPattern)
		expect(accepted.createdAt).toMatch(isoPattern)
		expect(accepted.updatedAt).toMatch(isoPattern)
		expect(accepted.variants.original).toMatchObject({
			url: expect.any(String),
			contentType: 'image/jpeg',
			byteSize: bytes.length,
			width: 4000,
			height: 3000,
		})
		expect(accepted.variants.thumbnail).toBeNull()
		expect(accepted.variants.optimized).toBeNull()
		expect(accepted.urlsExpireAt).toMatch(isoPattern)
		// Signed URLs live at least SIGNED_URL_TTL (15 minutes by default) and
		// less than SIGNED_URL_TTL + SIGNED_URL_WINDOW (5 more).
		const expiresIn = new Date(accepted.urlsExpireAt).getTime() - Date.now()
		expect(expiresIn).toBeGreaterThan(15 * 60_000 - 5000)
		expect(expiresIn).toBeLessThanOrEqual(20 * 60_000)
	})

	it('is processed to completed, with the AI stage skipped (no provider)', async () => {
		done = await waitForTerminal(web.baseUrl, token, accepted.id)
		expect(done).toMatchObject({
			id: accepted.id,
			status: 'completed',
			aiStatus: 'skipped',
			overallStatus: 'completed',
			error: null,
			ai: null,
			sha256: sha256(bytes),
		})
		expect(done.metadata).toMatchObject({ format: 'jpeg', width: 4000, height: 3000 })
		const { thumbnail, optimized } = done.variants
		expect(thumbnail).toMatchObject({ url: expect.any(String), contentType: 'image/webp' })
		expect(optimized).toMatchObject({ url: expect.any(String), contentType: 'image/webp' })
		expect(Math.max(thumbnail!.width, thumbnail!.height)).toBeLessThanOrEqual(256)
		expect(Math.max(optimized!.width, optimized!.height)).toBeLessThanOrEqual(2048)
		expect(optimized!.width).toBeGreaterThan(thumbnail!.width)
		// The aspect ratio (4:3) is kept, give or take rounding.
		expect(Math.abs(thumbnail!.height - (thumbnail!.width * 3) / 4)).toBeLessThanOrEqual(1)
		expect(Math.abs(optimized!.height - (optimized!.width * 3) / 4)).toBeLessThanOrEqual(1)
	})

	it('serves every variant at its signed URL with the right type and decodable bytes', async () => {
		const original = await fetchSigned(done.variants.original.url)
		expect(original.response.status).toBe(200)
		expect(original.response.headers.get('Content-Type')).toBe('image/jpeg')
		expect(sha256(original.bytes)).toBe(sha256(bytes))

		for (const variant of ['thumbnail', 'optimized'] as const) {
			const expected = done.variants[variant]!
			const { response, bytes: served } = await fetchSigned(expected.url)
			expect(response.status).toBe(200)
			expect(response.headers.get('Content-Type')).toBe('image/webp')
			expect(isWebp(served)).toBe(true)
			expect(served.length).toBe(expected.byteSize)
			const decoded = await sharp(served).metadata()
			expect(decoded).toMatchObject({
				format: 'webp',
				width: expected.width,
				height: expected.height,
			})
		}
	})

	it('download redirects (302) to a working signed URL of the variant', async () => {
		const response = await api(web.baseUrl, `/api/images/${done.id}/download?variant=thumbnail`, {
			token,
		})
		expect(response.status).toBe(302)
		const location = response.headers.get('Location')!
		expect(location).toBeTruthy()
		const { response: file, bytes: served } = await fetchSigned(location)
		expect(file.status).toBe(200)
		expect(file.headers.get('Content-Type')).toBe('image/webp')
		expect(file.headers.get('Content-Disposition')).toMatch(/^attachment\b/)
		expect(isWebp(served)).toBe(true)

		const original = await api(web.baseUrl, `/api/images/${done.id}/download?variant=original`, {
			token,
		})
		expect(original.status).toBe(302)
		const fetched = await fetchSigned(original.headers.get('Location')!)
		expect(fetched.response.status).toBe(200)
		expect(sha256(fetched.bytes)).toBe(sha256(bytes))
	})

	it('download of an unknown variant answers 422', async () => {
		const response = await api(web.baseUrl, `/api/images/${done.id}/download?variant=bogus`, {
			token,
		})
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual([{ path: 'variant', message: expect.any(String) }])
	})
})

describe('while no worker is running', () => {
	// The worker is stopped so that "pending" and "one job" can be observed
	// exactly; the last test starts it again and lets everything finish.
	const created: Array<{ token: string; id: string }> = []
	let pagedUser: { token: string; ids: string[] }

	beforeAll(async () => {
		await worker.stop()
	})

	afterAll(async () => {
		// Leave a running worker for the rest of the file even if a test failed.
		if (worker.hasExited()) worker = await startWorker()
	})

	it('a variant that does not exist yet answers 404 on download; the original is there', async () => {
		const { token } = await register(web.baseUrl)
		const image = await upload(token, jpeg)
		created.push({ token, id: image.id })
		for (const variant of ['thumbnail', 'optimized']) {
			const response = await api(
				web.baseUrl,
				`/api/images/${image.id}/download?variant=${variant}`,
				{ token },
			)
			await expectProblem(response, 404)
		}
		const original = await api(web.baseUrl, `/api/images/${image.id}/download?variant=original`, {
			token,
		})
		expect(original.status).toBe(302)
	})

	it('the same Idempotency-Key and file twice gives the same image, one row and one job', async () => {
		const { token, user } = await register(web.baseUrl)
		const key = randomUUID()
		const before = await snapshot()
		const first = await uploadFile(web.baseUrl, token, jpeg, 'once.jpg', { 'Idempotency-Key': key })
		const second = await uploadFile(web.baseUrl, token, jpeg, 'once.jpg', {
			'Idempotency-Key': key,
		})
		expect(first.status).toBe(202)
		expect(second.status).toBe(202)
		const [a, b] = (await Promise.all([first.json(), second.json()])) as ImageDetail[]
		expect(b!.id).toBe(a!.id)
		expect(second.headers.get('Location')).toBe(`/api/images/${a!.id}`)
		created.push({ token, id: a!.id })

		const after = await snapshot()
		expect(after.images).toBe(before.images + 1)
		expect(after.jobs).toBe(before.jobs + 1)
		expect(await imageCountOf(user.id)).toBe(1)
		// Only one original was stored.
		expect(after.files.length).toBe(before.files.length + 1)
	})

	it('the same Idempotency-Key sent by several clients at once gives one image, one job and one original', async () => {
		const { token, user } = await register(web.baseUrl)
		const key = randomUUID()
		const before = await snapshot()
		// At once (4: the per-user upload slots), so some pass the replay lookup before any has committed and
		// meet at the key's insert: the losers must leave no row behind.
		const responses = await Promise.all(
			Array.from({ length: 4 }, () =>
				uploadFile(web.baseUrl, token, jpeg, 'racing.jpg', { 'Idempotency-Key': key }),
			),
		)
		expect(responses.map((response) => response.status)).toEqual(Array(4).fill(202))
		const ids = new Set(
			await Promise.all(responses.map(async (r) => ((await r.json()) as ImageDetail).id)),
		)
		expect(ids.size).toBe(1)
		created.push({ token, id: [...ids][0]! })

		const after = await snapshot()
		expect(await imageCountOf(user.id)).toBe(1)
		expect(after.images).toBe(before.images + 1)
		expect(after.jobs).toBe(before.jobs + 1)
		expect(after.files.length).toBe(before.files.length + 1)
	})

	it('the same Idempotency-Key with a different file answers 422 and creates nothing', async () => {
		const { token } = await register(web.baseUrl)
		const key = randomUUID()
		const image = await upload(token, jpeg, 'first.jpg', { 'Idempotency-Key': key })
		created.push({ token, id: image.id })
		const before = await snapshot()
		const response = await uploadFile(web.baseUrl, token, png, 'other.png', {
			'Idempotency-Key': key,
		})
		await expectProblem(response, 422)
		expect(await snapshot()).toEqual(before)
	})

	it("another user's Idempotency-Key does not collide with mine", async () => {
		const key = randomUUID()
		const alice = await register(web.baseUrl)
		const bob = await register(web.baseUrl)
		const mine = await upload(alice.token, jpeg, 'a.jpg', { 'Idempotency-Key': key })
		const theirs = await upload(bob.token, jpeg, 'a.jpg', { 'Idempotency-Key': key })
		created.push({ token: alice.token, id: mine.id }, { token: bob.token, id: theirs.id })
		expect(theirs.id).not.toBe(mine.id)
	})

	it('lists newest first, in pages, with total and totalPages', async () => {
		const { token } = await register(web.baseUrl)
		const ids: string[] = []
		for (const name of ['first.jpg', 'second.jpg']) ids.push((await upload(token, jpeg, name)).id)
		// The contract's alias for uploads.
		const viaAlias = await uploadFile(
			web.baseUrl,
			token,
			png,
			'third.png',
			{},
			{
				path: '/api/images/upload',
			},
		)
		expect(viaAlias.status).toBe(202)
		ids.push(((await viaAlias.json()) as ImageDetail).id)
		pagedUser = { token, ids }
		created.push(...ids.map((id) => ({ token, id })))

		const page1 = await list(token, '?pageSize=2')
		expect(page1).toMatchObject({ page: 1, pageSize: 2, total: 3, totalPages: 2 })
		expect(page1.items.map((item) => item.id)).toEqual([ids[2], ids[1]])
		const page2 = await list(token, '?pageSize=2&page=2')
		expect(page2).toMatchObject({ page: 2, pageSize: 2, total: 3, totalPages: 2 })
		expect(page2.items.map((item) => item.id)).toEqual([ids[0]])

		const item = page1.items[0]!
		expect(item).toMatchObject({
			id: ids[2],
			filename: 'third.png',
			status: 'pending',
			aiStatus: 'pending',
			overallStatus: 'pending',
			width: 300,
			height: 200,
			thumbnailUrl: null,
		})
		expect(item.createdAt).toMatch(isoPattern)

		const defaults = await list(token, '')
		expect(defaults).toMatchObject({ page: 1, pageSize: 20, total: 3, totalPages: 1 })
		expect(defaults.items.map((i) => i.id)).toEqual([...ids].reverse())
		const beyond = await list(token, '?page=3&pageSize=2')
		expect(beyond).toMatchObject({ total: 3, items: [] })
	})

	it('filters on overallStatus', async () => {
		const { token } = pagedUser
		expect(await list(token, '?status=pending')).toMatchObject({ total: 3 })
		expect(await list(token, '?status=completed')).toMatchObject({
			total: 0,
			totalPages: 0,
			items: [],
		})
	})

	it('once a worker runs, every queued upload completes and the filter follows', async () => {
		worker = await startWorker()
		for (const { token, id } of created) {
			const image = await waitForTerminal(web.baseUrl, token, id)
			expect(image.overallStatus).toBe('completed')
		}
		const { token, ids } = pagedUser
		const completed = await list(token, '?status=completed')
		expect(completed).toMatchObject({ total: 3, totalPages: 1 })
		expect(completed.items.map((item) => item.id)).toEqual([...ids].reverse())
		for (const item of completed.items) expect(item.thumbnailUrl).toEqual(expect.any(String))
		expect(await list(token, '?status=pending')).toMatchObject({ total: 0, items: [] })

		const thumb = await fetchSigned(completed.items[0]!.thumbnailUrl!)
		expect(thumb.response.status).toBe(200)
		expect(isWebp(thumb.bytes)).toBe(true)
	})
})

async function list(token: string, query: string): Promise<ImageList> {
	const response = await api(web.baseUrl, `/api/images${query}`, { token })
	const text = await response.text()
	expect(response.status, text).toBe(200)
	return JSON.parse(text) as ImageList
}

describe('list query validation', () => {
	it.each([
		['pageSize=0', 'pageSize'],
		['pageSize=101', 'pageSize'],
		['pageSize=2.5', 'pageSize'],
		['page=abc', 'page'],
		['page=0', 'page'],
		['status=bogus', 'status'],
	])('?%s answers 422 naming %s', async (query, field) => {
		const { token } = await register(web.baseUrl)
		const response = await api(web.baseUrl, `/api/images?${query}`, { token })
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual(
			expect.arrayContaining([{ path: field, message: expect.any(String) }]),
		)
	})

	it('accepts pageSize=1 and pageSize=100', async () => {
		const { token } = await register(web.baseUrl)
		expect(await list(token, '?pageSize=1')).toMatchObject({ pageSize: 1, total: 0 })
		expect(await list(token, '?pageSize=100')).toMatchObject({ pageSize: 100, total: 0 })
	})
})

describe('rejected uploads leave no row, job or file behind', () => {
	let token: string
	let userId: string

	beforeAll(async () => {
		;({
			token,
			user: { id: userId },
		} = await register(web.baseUrl))
	})

	async function expectRejected(
		response: Response,
		status: number,
		before: Awaited<ReturnType<typeof snapshot>>,
	) {
		const problem = await expectProblem(response, status)
		expect(await snapshot()).toEqual(before)
		expect(await imageCountOf(userId)).toBe(0)
		return problem
	}

	it('a form without a `file` part answers 400', async () => {
		const before = await snapshot()
		const form = new FormData()
		form.append('image', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg')
		form.append('note', 'hello')
		const response = await api(web.baseUrl, '/api/images', { method: 'POST', token, body: form })
		await expectRejected(response, 400, before)
	})

	it.each([
		['text named .jpg', textBytes(), 'notes.jpg'],
		['a PDF named .png', pdfBytes(), 'scan.png'],
		['an SVG', svgBytes(), 'drawing.svg'],
		['HTML named .gif', htmlBytes(), 'page.gif'],
	])('%s answers 415', async (_case, bytes, filename) => {
		const before = await snapshot()
		const response = await uploadFile(
			web.baseUrl,
			token,
			bytes,
			filename,
			{},
			{
				type: 'image/jpeg',
			},
		)
		await expectRejected(response, 415, before)
	})

	it('a part header HTTP does not allow (raw control character) answers 400', async () => {
		const before = await snapshot()
		const response = await uploadFile(web.baseUrl, token, jpeg, 'bell\u0007.jpg')
		await expectRejected(response, 400, before)
	})

	it('a truncated JPEG answers 422', async () => {
		const before = await snapshot()
		const response = await uploadFile(web.baseUrl, token, await truncatedJpeg(), 'cut.jpg')
		await expectRejected(response, 422, before)
	})

	it('an image over MAX_INPUT_PIXELS answers 422', async () => {
		const before = await snapshot()
		const response = await uploadFile(web.baseUrl, token, pixelBombPng(), 'bomb.png')
		await expectRejected(response, 422, before)
	})

	describe('over MAX_UPLOAD_BYTES (1 MiB here)', () => {
		let small: WebProcess
		let big: Buffer

		beforeAll(async () => {
			;[small, big] = await Promise.all([
				startWeb({ MAX_UPLOAD_BYTES: '1048576' }),
				// A few megabytes of real JPEG.
				twelveMegapixelJpeg(),
			])
			expect(big.length).toBeGreaterThan(2 * 1024 * 1024)
		})

		afterAll(async () => {
			await small?.stop()
		})

		it('answers 413 for a body with a Content-Length over the limit', async () => {
			const before = await snapshot()
			const response = await uploadFile(small.baseUrl, token, big, 'big.jpg')
			await expectRejected(response, 413, before)
		})

		it('answers 413 for a streamed (chunked) body that grows over the limit', async () => {
			const before = await snapshot()
			const boundary = `----darkroom${randomUUID()}`
			const head = Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n` +
					`Content-Type: image/jpeg\r\n\r\n`,
			)
			const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
			const parts = [head, ...chunks(big, 64 * 1024), tail]
			const body = new ReadableStream<Uint8Array>({
				pull(controller) {
					const next = parts.shift()
					if (next) controller.enqueue(next)
					else controller.close()
				},
			})
			const response = await fetch(`${small.baseUrl}/api/images`, {
				method: 'POST',
				headers: {
					Authorization: `Bearer ${token}`,
					'Content-Type': `multipart/form-data; boundary=${boundary}`,
				},
				body,
				duplex: 'half',
			} as RequestInit)
			await expectRejected(response, 413, before)
		})

		it('answers a client still sending after the 413 and keeps its connection for the next request', async () => {
			const before = await snapshot()
			const { port } = new URL(small.baseUrl)
			const socket = net.connect(Number(port), '127.0.0.1')
			const received = collect(socket)
			socket.write(uploadHead(token, big.length))
			// The whole body, as a client that does not look at early answers would.
			socket.write(big)
			const answer = await received.until(/"status":413.*\}/s)
			expect(answer).toMatch(/^HTTP\/1\.1 413 /)
			expect(answer).not.toMatch(/^connection: close/im)
			// The server read the rest of the body, so the connection is usable again.
			socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
			expect(await received.until(/HTTP\/1\.1 200 /)).toContain('HTTP/1.1 200 ')
			socket.destroy()
			expect(await snapshot()).toEqual(before)
		})

		it('stops discarding a body that never ends, after answering it', async () => {
			const { port } = new URL(small.baseUrl)
			const socket = net.connect(Number(port), '127.0.0.1')
			const received = collect(socket)
			const gibibyte = 1024 ** 3
			socket.write(uploadHead(token, gibibyte))
			const chunk = Buffer.alloc(1024 * 1024)
			let sent = 0
			const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
			socket.on('error', () => {}) // the reset that ends it
			while (!socket.destroyed && sent < gibibyte) {
				sent += chunk.length
				if (!socket.write(chunk)) {
					await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed])
				}
			}
			await closed
			expect(received.text()).toMatch(/^HTTP\/1\.1 413 /)
			// Cut off at the discard bound (64 MiB) plus what the socket buffers held.
			expect(sent).toBeLessThan(256 * 1024 * 1024)
		})

		it('still accepts a file under the limit', async () => {
			const response = await uploadFile(small.baseUrl, token, jpeg, 'fits.jpg')
			expect(response.status).toBe(202)
			const image = (await response.json()) as ImageDetail
			expect((await waitForTerminal(web.baseUrl, token, image.id)).overallStatus).toBe('completed')
			// Leave the user empty for the other tests of this block.
			expect(
				(await api(web.baseUrl, `/api/images/${image.id}`, { method: 'DELETE', token })).status,
			).toBe(204)
		})
	})

	it('a failing database transaction answers 500 and leaves nothing behind', async () => {
		await sql.unsafe(`
			create function explode_on_insert() returns trigger language plpgsql as $$
			begin
				if new.filename = 'explode.jpg' then
					raise exception 'simulated failure inside the upload transaction';
				end if;
				return new;
			end $$;
			create trigger explode_on_insert before insert on images
				for each row execute function explode_on_insert();
		`)
		try {
			const before = await snapshot()
			const response = await uploadFile(web.baseUrl, token, jpeg, 'explode.jpg')
			const problem = await expectRejected(response, 500, before)
			expect(problem.detail).not.toContain('simulated failure')
			// The same upload under another name still works: the failure was that one insert.
			const image = await upload(token, jpeg, 'fine.jpg')
			await waitForTerminal(web.baseUrl, token, image.id)
			await api(web.baseUrl, `/api/images/${image.id}`, { method: 'DELETE', token })
		} finally {
			await sql.unsafe(`
				drop trigger explode_on_insert on images;
				drop function explode_on_insert();
			`)
		}
	})
})

/** The head of a multipart upload whose body the caller sends (or not) on a raw socket. */
function uploadHead(token: string, contentLength: number) {
	return (
		`POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
		`Content-Type: multipart/form-data; boundary=x\r\nContent-Length: ${contentLength}\r\n\r\n`
	)
}

/** What a raw socket receives, and a wait until it matches a pattern (10 s at most). */
function collect(socket: net.Socket) {
	let text = ''
	const waiters = new Set<() => void>()
	socket.on('data', (data: Buffer) => {
		text += data.toString('latin1')
		for (const wake of waiters) wake()
	})
	return {
		text: () => text,
		until: (pattern: RegExp) =>
			new Promise<string>((resolve, reject) => {
				const check = () => {
					const match = pattern.exec(text)
					if (!match) return
					waiters.delete(check)
					clearTimeout(timer)
					resolve(text.slice(0, match.index + match[0].length))
					text = text.slice(match.index + match[0].length)
				}
				const timer = setTimeout(() => {
					waiters.delete(check)
					reject(new Error(`waited 10 s for ${pattern}; received: ${text.slice(0, 500)}`))
				}, 10_000)
				waiters.add(check)
				check()
			}),
	}
}

function chunks(bytes: Buffer, size: number): Buffer[] {
	const out: Buffer[] = []
	for (let offset = 0; offset < bytes.length; offset += size) {
		out.push(bytes.subarray(offset, offset + size))
	}
	return out
}

describe('stored filenames', () => {
	let token: string

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
	})

	it.each([
		['drops any path', '../../etc/passwd.jpg', 'passwd.jpg'],
		['drops a Windows path', 'C:\\Users\\me\\Pictures\\cat.jpg', 'cat.jpg'],
		['keeps UTF-8 names as sent', 'café 東京.jpg', 'café 東京.jpg'],
		// Of the control characters, multipart lets only tab and the bidi controls through.
		['drops control characters', 'sneaky\tname\u202e.jpg', 'sneaky name.jpg'],
	])('%s', async (_case, sent, stored) => {
		const image = await upload(token, jpeg, sent)
		expect(image.filename).toBe(stored)
		expect((await getImage(web.baseUrl, token, image.id)).filename).toBe(stored)
		await waitForTerminal(web.baseUrl, token, image.id)
	})

	it('cuts long names to at most 255 bytes', async () => {
		const image = await upload(token, jpeg, `${'a'.repeat(300)}.jpg`)
		expect(Buffer.byteLength(image.filename)).toBeLessThanOrEqual(255)
		expect(image.filename).toMatch(/^a+\.jpg$/)
		await waitForTerminal(web.baseUrl, token, image.id)
	})
})

describe('reprocessing', () => {
	let token: string
	let first: ImageDetail
	let second: ImageDetail

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
		first = await uploadAndProcess(token, jpeg, 'one.jpg')
		second = await uploadAndProcess(token, png, 'two.png')
	})

	it('POST /api/images/{id}/process answers 202 and the image completes again', async () => {
		const response = await api(web.baseUrl, `/api/images/${first.id}/process`, {
			method: 'POST',
			token,
		})
		expect(response.status).toBe(202)
		const body = (await response.json()) as ImageDetail
		expect(body.id).toBe(first.id)
		expect(body.overallStatus).not.toBe('completed')
		const again = await waitForTerminal(web.baseUrl, token, first.id)
		expect(again).toMatchObject({
			status: 'completed',
			aiStatus: 'skipped',
			overallStatus: 'completed',
		})
		expect(again.variants.thumbnail).toMatchObject({ contentType: 'image/webp' })
		const thumb = await fetchSigned(again.variants.thumbnail!.url)
		expect(thumb.response.status).toBe(200)
		expect(isWebp(thumb.bytes)).toBe(true)
	})

	it('accepts explicit stages', async () => {
		for (const stages of [['image'], ['ai'], ['image', 'ai']]) {
			const response = await api(web.baseUrl, `/api/images/${first.id}/process`, {
				method: 'POST',
				token,
				json: { stages },
			})
			expect(response.status).toBe(202)
			const done = await waitForTerminal(web.baseUrl, token, first.id)
			expect(done.overallStatus).toBe('completed')
		}
	})

	it('an unknown stage answers 422 and a malformed body 400', async () => {
		const bad = await api(web.baseUrl, `/api/images/${first.id}/process`, {
			method: 'POST',
			token,
			json: { stages: ['nope'] },
		})
		const problem = await expectProblem(bad, 422)
		expect(problem.errors).toEqual([{ path: 'stages.0', message: expect.any(String) }])
		const malformed = await api(web.baseUrl, `/api/images/${first.id}/process`, {
			method: 'POST',
			token,
			headers: { 'Content-Type': 'application/json' },
			body: '{"stages": [',
		})
		await expectProblem(malformed, 400)
		expect((await getImage(web.baseUrl, token, first.id)).overallStatus).toBe('completed')
	})

	it('POST /api/images/process reprocesses a batch and answers 202 { items }', async () => {
		const response = await api(web.baseUrl, '/api/images/process', {
			method: 'POST',
			token,
			json: { ids: [first.id, second.id] },
		})
		expect(response.status).toBe(202)
		const body = (await response.json()) as { items: ImageDetail[] }
		expect(body.items.map((item) => item.id).sort()).toEqual([first.id, second.id].sort())
		for (const item of body.items) expect(item.filename).toMatch(/^(one\.jpg|two\.png)$/)
		for (const id of [first.id, second.id]) {
			expect((await waitForTerminal(web.baseUrl, token, id)).overallStatus).toBe('completed')
		}
	})

	it.each([
		['101 ids', () => ({ ids: Array.from({ length: 101 }, () => randomUUID()) }), 'ids'],
		['no ids', () => ({ ids: [] }), 'ids'],
		['a malformed id', () => ({ ids: ['not-a-uuid'] }), 'ids.0'],
		['an unknown stage', () => ({ ids: [first.id], stages: ['nope'] }), 'stages.0'],
	])('a batch with %s answers 422', async (_case, makeBody, field) => {
		const response = await api(web.baseUrl, '/api/images/process', {
			method: 'POST',
			token,
			json: makeBody(),
		})
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual(
			expect.arrayContaining([{ path: field, message: expect.any(String) }]),
		)
	})
})

describe('deleting', () => {
	it('answers 204; the image is gone, its signed URLs stop working, its files move to the trash', async () => {
		const { token, user } = await register(web.baseUrl)
		const image = await uploadAndProcess(token, jpeg, 'doomed.jpg')
		const urls = [
			image.variants.original.url,
			image.variants.thumbnail!.url,
			image.variants.optimized!.url,
		]
		for (const url of urls) expect((await fetchSigned(url)).response.status).toBe(200)
		const imageDir = path.join(storageDir, 'images', user.id, image.id)
		expect(listFiles(imageDir).length).toBeGreaterThanOrEqual(3)

		const response = await api(web.baseUrl, `/api/images/${image.id}`, { method: 'DELETE', token })
		expect(response.status).toBe(204)
		expect(await response.text()).toBe('')

		await expectProblem(await api(web.baseUrl, `/api/images/${image.id}`, { token }), 404)
		for (const url of urls) {
			const { response: file, bytes } = await fetchSigned(url)
			expect([403, 404]).toContain(file.status)
			expect(bytes.includes(jpeg.subarray(0, 64))).toBe(false)
		}
		expect(listFiles(imageDir)).toEqual([])
		// In the trash (TRASH_DAYS, default 30) until purged; tests/integration/trash.test.ts.
		const [trashed] = await sql<[{ n: number }]>`
			select count(*)::int as n from images where user_id = ${user.id} and deleted_at is not null`
		expect(trashed.n).toBe(1)
		expect(await list(token, '')).toMatchObject({ total: 0, items: [] })
		const again = await api(web.baseUrl, `/api/images/${image.id}`, { method: 'DELETE', token })
		await expectProblem(again, 404)
	})
})

describe("another user's image", () => {
	let owner: { token: string; userId: string }
	let image: ImageDetail
	let other: string

	beforeAll(async () => {
		const alice = await register(web.baseUrl)
		owner = { token: alice.token, userId: alice.user.id }
		image = await uploadAndProcess(owner.token, jpeg, 'secret-plans.jpg')
		other = (await register(web.baseUrl)).token
	})

	const routes = (id: string) => [
		{ method: 'GET', path: `/api/images/${id}` },
		{ method: 'GET', path: `/api/images/${id}/download?variant=original` },
		{ method: 'GET', path: `/api/images/${id}/download?variant=thumbnail` },
		{ method: 'GET', path: `/api/images/${id}/download?variant=optimized` },
		{ method: 'POST', path: `/api/images/${id}/process` },
		{ method: 'POST', path: '/api/images/process', json: { ids: [id] } },
		{ method: 'DELETE', path: `/api/images/${id}` },
	]

	it('is a 404 on every route, exactly like a missing image, and reveals nothing', async () => {
		for (const route of routes(image.id)) {
			const response = await api(web.baseUrl, route.path, {
				method: route.method,
				token: other,
				json: route.json,
			})
			const text = await response.clone().text()
			const problem = await expectProblem(response, 404)
			expect(text, `${route.method} ${route.path}`).not.toContain(image.id)
			expect(text).not.toContain('secret-plans')
			expect(response.headers.get('Location')).toBeNull()

			const missing = await api(web.baseUrl, route.path.replace(image.id, randomUUID()), {
				method: route.method,
				token: other,
				json: route.json && { ids: [randomUUID()] },
			})
			const missingProblem = await expectProblem(missing, 404)
			expect(problem).toEqual(missingProblem)
		}
		expect(await list(other, '')).toMatchObject({ total: 0, items: [] })
	})

	it('is a 401 with WWW-Authenticate on every route without a token', async () => {
		for (const route of routes(image.id)) {
			const response = await api(web.baseUrl, route.path, {
				method: route.method,
				json: route.json,
			})
			expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
			const text = await response.clone().text()
			await expectProblem(response, 401)
			expect(text).not.toContain('secret-plans')
		}
		await expectProblem(await api(web.baseUrl, '/api/images'), 401)
		await expectProblem(await uploadFile(web.baseUrl, '', jpeg, 'anon.jpg'), 401)
	})

	it("a batch mixing my image with someone else's changes nothing (404)", async () => {
		const mine = await uploadAndProcess(other, jpeg, 'mine.jpg')
		const response = await api(web.baseUrl, '/api/images/process', {
			method: 'POST',
			token: other,
			json: { ids: [mine.id, image.id] },
		})
		await expectProblem(response, 404)
		const after = await getImage(web.baseUrl, other, mine.id)
		expect(after).toMatchObject({ overallStatus: 'completed', updatedAt: mine.updatedAt })
	})

	it('is untouched for its owner afterwards', async () => {
		const after = await getImage(web.baseUrl, owner.token, image.id)
		expect(after).toMatchObject({
			id: image.id,
			filename: 'secret-plans.jpg',
			overallStatus: 'completed',
			updatedAt: image.updatedAt,
		})
		expect(await imageCountOf(owner.userId)).toBe(1)
		const original = await fetchSigned(after.variants.original.url)
		expect(original.response.status).toBe(200)
	})
})

describe('operations', () => {
	it('GET /api/health answers 200 with the database, storage and queue checks', async () => {
		const response = await api(web.baseUrl, '/api/health')
		expect(response.status).toBe(200)
		const body = await response.json()
		expect(body.status).toBe('ok')
		expect(Object.keys(body.checks)).toEqual(
			expect.arrayContaining(['database', 'storage', 'queue']),
		)
	})

	it.each([
		['GET', '/api/nope'],
		['POST', '/api/nope'],
		['GET', '/api/images/not-a-uuid'],
		['GET', '/api/images/00000000-0000-4000-8000-000000000000/nope'],
	])('%s %s answers 404 problem+json', async (method, pathname) => {
		const { token } = await register(web.baseUrl)
		await expectProblem(await api(web.baseUrl, pathname, { method, token }), 404)
	})
})
