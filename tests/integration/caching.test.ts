import postgres from 'postgres'
import sharp from 'sharp'
import { thumbHashToRGBA } from 'thumbhash'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '#app/config.server'
import {
	api,
	type AppProcess,
	type ImageDetail,
	type ImageList,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'

// Instant placeholders and caching, end to end with a real web process and
// worker: ThumbHash placeholders, signed URLs that stay the same within a
// signing window, and ETag/304 on the image detail and list.

const TTL_SECONDS = 900
const WINDOW_SECONDS = 300
/** The uploaded picture: one colour with some grain, so JPEG has something to do. */
const COLOUR = [200, 60, 40] as const

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let token: string
let image: ImageDetail

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	const env = { SIGNED_URL_TTL: String(TTL_SECONDS), SIGNED_URL_WINDOW: String(WINDOW_SECONDS) }
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	;({ token } = await register(web.baseUrl))
	const accepted = await upload(await colouredJpeg(640, 480))
	expect(accepted.placeholder).toBeNull()
	image = await waitForTerminal(web.baseUrl, token, accepted.id)
	expect(image.status).toBe('completed')
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

function colouredJpeg(width: number, height: number): Promise<Buffer> {
	const pixels = Buffer.alloc(width * height * 3)
	for (let i = 0; i < pixels.length; i++) {
		const grain = ((i * 2654435761) >>> 28) - 8
		pixels[i] = Math.max(0, Math.min(255, COLOUR[i % 3]! + grain))
	}
	return sharp(pixels, { raw: { width, height, channels: 3 } })
		.jpeg()
		.toBuffer()
}

async function upload(bytes: Buffer): Promise<ImageDetail> {
	const response = await uploadFile(web.baseUrl, token, bytes, 'red.jpg')
	expect(response.status).toBe(202)
	return (await response.json()) as ImageDetail
}

const get = (pathname: string, headers: Record<string, string> = {}) =>
	api(web.baseUrl, pathname, { token, headers })

async function getJson<T>(pathname: string) {
	const response = await get(pathname)
	expect(response.status).toBe(200)
	return { etag: response.headers.get('etag')!, body: (await response.json()) as T, response }
}

/**
 * URLs change where `now + TTL` crosses a multiple of the window, i.e. at
 * multiples of 300 s (900 is one). Waiting out the last 3 s before one keeps
 * two requests of a test in the same window.
 */
async function awayFromWindowEdge() {
	const left = WINDOW_SECONDS * 1000 - (Date.now() % (WINDOW_SECONDS * 1000))
	if (left < 3000) await new Promise((resolve) => setTimeout(resolve, left + 100))
}

function decodePlaceholder(placeholder: string) {
	const { w, h, rgba } = thumbHashToRGBA(Buffer.from(placeholder, 'base64'))
	const sum = [0, 0, 0]
	for (let i = 0; i < rgba.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += rgba[i + c]!
	return { w, h, average: sum.map((total) => total / (w * h)) }
}

describe('ThumbHash placeholders', () => {
	it('detail and list carry a placeholder that decodes to the image’s colour and shape', async () => {
		expect(image.placeholder).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
		const { w, h, average } = decodePlaceholder(image.placeholder!)
		// ThumbHash renders at most 32 px, keeping the 4:3 aspect ratio roughly.
		expect(Math.max(w, h)).toBeLessThanOrEqual(32)
		expect(w / h).toBeCloseTo(4 / 3, 0)
		for (let c = 0; c < 3; c++) expect(Math.abs(average[c]! - COLOUR[c]!)).toBeLessThan(16)

		const { body: list } = await getJson<ImageList>('/api/images')
		expect(list.items.find((item) => item.id === image.id)?.placeholder).toBe(image.placeholder)
	})

	it('is computed again when the image stage runs again', async () => {
		await sql`update images set placeholder = null where id = ${image.id}`
		const { body: cleared } = await getJson<ImageDetail>(`/api/images/${image.id}`)
		expect(cleared.placeholder).toBeNull()

		const response = await api(web.baseUrl, `/api/images/${image.id}/process`, {
			method: 'POST',
			token,
			json: { stages: ['image'] },
		})
		expect(response.status).toBe(202)
		await response.arrayBuffer()
		const again = await waitForTerminal(web.baseUrl, token, image.id)
		expect(again.placeholder).toBe(image.placeholder)
	})
})

describe('stable signed URLs and ETag/304', () => {
	it('answers the same URLs and ETag twice within a window; urlsExpireAt is their exp', async () => {
		await awayFromWindowEdge()
		const first = await getJson<ImageDetail>(`/api/images/${image.id}`)
		const second = await getJson<ImageDetail>(`/api/images/${image.id}`)
		expect(second.body).toEqual(first.body)
		expect(first.etag).toMatch(/^W\/"[\w-]+"$/)
		expect(second.etag).toBe(first.etag)
		expect(first.response.headers.get('cache-control')).toBe('private, no-cache')

		const { variants, urlsExpireAt } = first.body
		const expiresAt = Date.parse(urlsExpireAt)
		for (const variant of [variants.original, variants.thumbnail!, variants.optimized!]) {
			const exp = Number(new URL(variant.url).searchParams.get('exp'))
			expect(exp * 1000).toBe(expiresAt)
		}
		// At least the TTL, less than TTL + window, and on the window grid.
		expect(expiresAt - Date.now()).toBeGreaterThan(TTL_SECONDS * 1000 - 5000)
		expect(expiresAt - Date.now()).toBeLessThanOrEqual((TTL_SECONDS + WINDOW_SECONDS) * 1000)
		expect(expiresAt % (WINDOW_SECONDS * 1000)).toBe(0)
	})

	it('answers 304 without a body when If-None-Match names the current ETag', async () => {
		await awayFromWindowEdge()
		const { etag } = await getJson<ImageDetail>(`/api/images/${image.id}`)
		const strong = etag.replace(/^W\//, '')
		for (const ifNoneMatch of [etag, `"stale", ${etag}`, strong, '*']) {
			const response = await get(`/api/images/${image.id}`, { 'If-None-Match': ifNoneMatch })
			expect(response.status, ifNoneMatch).toBe(304)
			expect(response.headers.get('etag')).toBe(etag)
			expect(response.headers.get('cache-control')).toBe('private, no-cache')
			expect(await response.text()).toBe('')
		}
		const other = await get(`/api/images/${image.id}`, { 'If-None-Match': '"stale"' })
		expect(other.status).toBe(200)
		expect(((await other.json()) as ImageDetail).id).toBe(image.id)
	})

	it('gives the detail a new ETag when the image changes; the stale one gets 200', async () => {
		await awayFromWindowEdge()
		const before = await getJson<ImageDetail>(`/api/images/${image.id}`)
		await sql`update images set filename = 'renamed.jpg' where id = ${image.id}`
		const after = await get(`/api/images/${image.id}`, { 'If-None-Match': before.etag })
		expect(after.status).toBe(200)
		expect(after.headers.get('etag')).not.toBe(before.etag)
		expect(((await after.json()) as ImageDetail).filename).toBe('renamed.jpg')
	})

	it('caches the list the same way; deleting an image changes its ETag', async () => {
		const extra = await upload(await colouredJpeg(64, 64))
		await waitForTerminal(web.baseUrl, token, extra.id)
		await awayFromWindowEdge()
		const first = await getJson<ImageList>('/api/images?pageSize=10')
		const second = await getJson<ImageList>('/api/images?pageSize=10')
		expect(second.body).toEqual(first.body)
		expect(second.etag).toBe(first.etag)
		expect(first.response.headers.get('cache-control')).toBe('private, no-cache')
		const thumbnailUrl = first.body.items.find((item) => item.id === image.id)?.thumbnailUrl
		expect(thumbnailUrl).toBeTruthy()

		const notModified = await get('/api/images?pageSize=10', { 'If-None-Match': first.etag })
		expect(notModified.status).toBe(304)
		expect(await notModified.text()).toBe('')

		const deleted = await api(web.baseUrl, `/api/images/${extra.id}`, { method: 'DELETE', token })
		expect(deleted.status).toBe(204)
		const changed = await get('/api/images?pageSize=10', { 'If-None-Match': first.etag })
		expect(changed.status).toBe(200)
		expect(changed.headers.get('etag')).not.toBe(first.etag)
		const list = (await changed.json()) as ImageList
		expect(list.total).toBe(first.body.total - 1)
		// Same window, same thumbnail URL as before the change.
		expect(list.items.find((item) => item.id === image.id)?.thumbnailUrl).toBe(thumbnailUrl)
	})

	it('serves the thumbnail with a max-age of its remaining lifetime and revalidates by ETag', async () => {
		await awayFromWindowEdge()
		const { body } = await getJson<ImageDetail>(`/api/images/${image.id}`)
		const url = body.variants.thumbnail!.url
		const expiresAt = Date.parse(body.urlsExpireAt)
		const etags = new Set<string>()
		for (let attempt = 0; attempt < 2; attempt++) {
			const response = await fetch(url)
			expect(response.status).toBe(200)
			await response.arrayBuffer()
			const cacheControl = response.headers.get('cache-control')!
			const maxAge = Number(/^private, max-age=(\d+), immutable$/.exec(cacheControl)?.[1])
			expect(Math.abs(maxAge * 1000 - (expiresAt - Date.now()))).toBeLessThan(3000)
			etags.add(response.headers.get('etag')!)
		}
		expect(etags.size).toBe(1)
		const revalidated = await fetch(url, { headers: { 'If-None-Match': [...etags][0]! } })
		expect(revalidated.status).toBe(304)
		expect(await revalidated.text()).toBe('')
	})
})

describe('SIGNED_URL_WINDOW', () => {
	const windowOf = (env: Record<string, string>) => parseConfig(env).signedUrlWindowSeconds

	it('defaults to 300 s, or half of a shorter SIGNED_URL_TTL', () => {
		expect(windowOf({})).toBe(300)
		expect(windowOf({ SIGNED_URL_TTL: '120' })).toBe(60)
		expect(windowOf({ SIGNED_URL_TTL: '1' })).toBe(0)
	})

	it('must be less than SIGNED_URL_TTL, and fit S3’s 7-day limit with it', () => {
		expect(windowOf({ SIGNED_URL_TTL: '600', SIGNED_URL_WINDOW: '599' })).toBe(599)
		expect(() => parseConfig({ SIGNED_URL_TTL: '600', SIGNED_URL_WINDOW: '600' })).toThrow(
			/SIGNED_URL_WINDOW: must be less than SIGNED_URL_TTL/,
		)
		expect(() => parseConfig({ SIGNED_URL_WINDOW: '-1' })).toThrow(/SIGNED_URL_WINDOW/)
		const s3 = { S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' }
		expect(() => parseConfig({ ...s3, SIGNED_URL_TTL: '604800' })).toThrow(/7 days/)
		expect(windowOf({ ...s3, SIGNED_URL_TTL: '604500' })).toBe(300)
	})
})
