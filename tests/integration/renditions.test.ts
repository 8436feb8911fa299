import { createHmac } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import postgres from 'postgres'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	type ImageDetail,
	register,
	startWeb,
	startWorker,
	type AppProcess,
	uploadFile,
	type WebProcess,
	waitForTerminal,
} from '#tests/support/app'
import { alphaPng, cameraExif, largeJpeg, orientedJpeg } from '#tests/support/images'
import { evictRenditions } from '#worker/tasks/cleanup-renditions'

// Renditions by URL end to end: two web processes and a worker on one
// database, real files on local storage, URLs as the detail API hands them out.

const CHROMIUM_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'

let web: WebProcess
let otherWeb: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let token: string
let photo: ImageDetail

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	;[web, otherWeb, worker] = await Promise.all([startWeb(), startWeb(), startWorker()])
	;({ token } = await register(web.baseUrl))
	photo = await uploadAndWait(await gpsPhoto(), 'photo.jpg')
})

afterAll(async () => {
	await Promise.all([web?.stop(), otherWeb?.stop(), worker?.stop()])
	await sql?.end()
})

/** A 1600×1200 JPEG carrying camera EXIF and a GPS position. */
async function gpsPhoto() {
	return sharp(await largeJpeg())
		.resize(1600, 1200)
		.jpeg()
		.withExif({
			IFD0: { Make: cameraExif.make, Model: cameraExif.model },
			IFD3: {
				GPSLatitudeRef: 'N',
				GPSLatitude: '48/1 51/1 24/1',
				GPSLongitudeRef: 'E',
				GPSLongitude: '2/1 21/1 3/1',
			},
		})
		.toBuffer()
}

async function uploadAndWait(bytes: Buffer, filename: string) {
	const response = await uploadFile(web.baseUrl, token, bytes, filename)
	expect(response.status, await response.clone().text()).toBe(202)
	const { id } = (await response.json()) as ImageDetail
	return waitForTerminal(web.baseUrl, token, id)
}

/** The srcset entry for `width` (its URL), from a detail's renditions. */
function srcsetUrl(image: ImageDetail, format: 'avif' | 'webp' | 'jpeg' | 'png', width: number) {
	const entry = image.renditions!.srcset[format]!.split(', ').find((e) => e.endsWith(` ${width}w`))
	if (!entry) throw new Error(`no ${width}w entry in ${image.renditions!.srcset[format]}`)
	return entry.split(' ')[0]!
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers })

async function madeCount(): Promise<number> {
	let total = 0
	for (const process of [web, otherWeb]) {
		const text = await (await fetch(`${process.baseUrl}/metrics`)).text()
		for (const line of text.split('\n')) {
			if (line.startsWith('darkroom_renditions_made_total{')) total += Number(line.split(' ').pop())
		}
	}
	return total
}

/** A valid signed URL with other options: taken from the srcset, then edited. */
const withOptions = (url: string, options: string) => url.replace(/\/[^/]+$/, `/${options}`)

const versionOf = (image: ImageDetail) => Number(/\/v(\d+)\//.exec(image.renditions!.src)![1])

/** Signs as a client holding SECRET_KEY would, by the scheme the OpenAPI document states. */
function signedUrl(image: ImageDetail, options: string, baseUrl = web.baseUrl) {
	const key = createHmac('sha256', process.env.SECRET_KEY!)
		.update('darkroom rendition urls')
		.digest()
	const path = `${image.id}/v${versionOf(image)}/${options}`
	const signature = createHmac('sha256', key)
		.update(path)
		.digest()
		.subarray(0, 16)
		.toString('base64url')
	return `${baseUrl}/img/${signature}/${path}`
}

const widthOf = async (response: Response) =>
	(await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width

describe('the detail API', () => {
	it('gives srcsets in AVIF, WebP and JPEG for the width ladder up to the image width', () => {
		const { srcset, src, presets } = photo.renditions!
		for (const format of ['avif', 'webp', 'jpeg'] as const) {
			const widths = srcset[format].split(', ').map((entry) => Number(/ (\d+)w$/.exec(entry)![1]))
			expect(widths).toEqual([64, 128, 256, 384, 512, 640, 768, 1024, 1280, 1536, 1600])
			expect(srcset[format]).toMatch(new RegExp(`^${web.baseUrl}/img/`))
		}
		expect(srcset.png).toBeUndefined()
		expect(src).toContain('f_jpeg')
		expect(Object.keys(presets).sort()).toEqual(['card', 'hero', 'thumb'])
	})

	it('offers PNG too for an image with transparency', async () => {
		const transparent = await uploadAndWait(await alphaPng(), 'logo.png')
		expect(transparent.renditions!.srcset.png).toContain('f_png')
		expect(transparent.renditions!.src).toContain('f_png')
		const response = await get(transparent.renditions!.src)
		expect(response.headers.get('Content-Type')).toBe('image/png')
		const { hasAlpha } = await sharp(Buffer.from(await response.arrayBuffer())).metadata()
		expect(hasAlpha).toBe(true)
	})
})

describe('a signed rendition URL', () => {
	it('serves the size it names, without EXIF or GPS, cacheable for a year with a strong ETag', async () => {
		const url = srcsetUrl(photo, 'webp', 512)
		const response = await get(url)
		expect(response.status).toBe(200)
		expect(response.headers.get('Content-Type')).toBe('image/webp')
		expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable')
		const etag = response.headers.get('ETag')!
		expect(etag).toMatch(/^"[^"]+"$/)
		const bytes = Buffer.from(await response.arrayBuffer())
		const metadata = await sharp(bytes).metadata()
		expect([metadata.width, metadata.height]).toEqual([512, 384])
		expect(metadata.exif).toBeUndefined()
		expect(metadata.xmp).toBeUndefined()
		expect(bytes.includes(Buffer.from('Canon'))).toBe(false)

		const again = await get(url, { 'If-None-Match': etag })
		expect(again.status).toBe(304)
		const hit = await get(url)
		expect(Buffer.from(await hit.arrayBuffer()).equals(bytes)).toBe(true)
	})

	it('answers 403 when the signature or the options are tampered with', async () => {
		const url = srcsetUrl(photo, 'webp', 256)
		const parts = url.split('/')
		const signature = parts[4]!
		const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
		await expectProblem(await get(url.replace(signature, flipped)), 403)
		await expectProblem(await get(withOptions(url, 'w_300,f_webp')), 403)
		// The same signature for another image, or another version, is worthless too.
		await expectProblem(await get(url.replace(/\/v1\//, '/v2/')), 403)
	})

	it('snaps widths up the ladder and never enlarges unless asked', async () => {
		expect(await widthOf(await get(signedUrl(photo, 'w_700,f_jpeg')))).toBe(768)
		expect(await widthOf(await get(signedUrl(photo, 'w_300,dpr_2,f_jpeg')))).toBe(640)
		// 1600 px wide: asking for more gives the image as it is...
		expect(await widthOf(await get(signedUrl(photo, 'w_3000,f_jpeg')))).toBe(1600)
		const last = photo.renditions!.srcset.jpeg.split(', ').pop()!
		expect(last).toMatch(/w_1920,f_jpeg 1600w$/)
		// ...unless enlarging is asked for, still on the ladder and within 4096.
		expect(await widthOf(await get(signedUrl(photo, 'w_1700,enlarge_1,f_jpeg')))).toBe(1920)
		expect(await widthOf(await get(signedUrl(photo, 'w_9000,enlarge_1,f_webp')))).toBe(4096)
	})

	it('is turned upright as EXIF orientation says', async () => {
		const turned = await uploadAndWait(await orientedJpeg(), 'turned.jpg')
		const response = await get(signedUrl(turned, 'w_150,f_png'))
		const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata()
		expect([width, height]).toEqual([256, 341])
	})

	it('answers 400 naming the option for options it does not know', async () => {
		const problem = await expectProblem(await get(signedUrl(photo, 'w_100,blur_5')), 400)
		expect(problem.detail).toContain('unknown option "blur"')
		await expectProblem(await get(signedUrl(photo, 'fit_stretch')), 400)
	})

	it('chooses AVIF for Chromium and JPEG for */* with f_auto, and says it varies by Accept', async () => {
		const auto = photo.renditions!.presets.card!
		const forChromium = await get(auto, { Accept: CHROMIUM_ACCEPT })
		expect(forChromium.status).toBe(200)
		expect(forChromium.headers.get('Content-Type')).toBe('image/avif')
		expect(forChromium.headers.get('Vary')).toBe('Accept')
		const forCurl = await get(auto, { Accept: '*/*' })
		expect(forCurl.headers.get('Content-Type')).toBe('image/jpeg')
		expect(forChromium.headers.get('ETag')).not.toBe(forCurl.headers.get('ETag'))
		const bytes = Buffer.from(await forCurl.arrayBuffer())
		// card is 640×480, cropped to cover.
		const { width, height } = await sharp(bytes).metadata()
		expect([width, height]).toEqual([640, 480])
	})

	it('makes one rendition for 20 concurrent misses spread over two web processes', async () => {
		const url = srcsetUrl(photo, 'avif', 1280)
		const before = await madeCount()
		const responses = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				get(i % 2 === 0 ? url : url.replace(web.baseUrl, otherWeb.baseUrl)),
			),
		)
		const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())))
		expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
		expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(1)
		expect((await madeCount()) - before).toBe(1)
		const [row] = await sql<{ count: number }[]>`
			select count(*)::int as count from renditions where image_id = ${photo.id} and key like '%w1280%avif'`
		expect(row!.count).toBe(1)
	})

	it('dies when the image is processed again (410), and the new URLs work', async () => {
		const old = srcsetUrl(photo, 'webp', 256)
		// The second request is a hit the web server answers from memory: it must be forgotten too.
		for (let i = 0; i < 2; i++) expect((await get(old)).status).toBe(200)
		const reprocess = await api(web.baseUrl, `/api/images/${photo.id}/process`, {
			method: 'POST',
			token,
			json: { stages: ['image'] },
		})
		expect(reprocess.status).toBe(202)
		await expectProblem(await get(old), 410)
		photo = await waitForTerminal(web.baseUrl, token, photo.id)
		const fresh = srcsetUrl(photo, 'webp', 256)
		expect(fresh).not.toBe(old)
		expect((await get(fresh)).status).toBe(200)
	})

	it('dies when the image is deleted (410)', async () => {
		const doomed = await uploadAndWait(await gpsPhoto(), 'doomed.jpg')
		const url = srcsetUrl(doomed, 'webp', 256)
		for (let i = 0; i < 2; i++) expect((await get(url)).status).toBe(200)
		const deleted = await api(web.baseUrl, `/api/images/${doomed.id}`, { method: 'DELETE', token })
		expect(deleted.status).toBe(204)
		await expectProblem(await get(url), 410)
	})

	it('dies at once when the image is deleted while the web server cannot hear about it', async () => {
		const doomed = await uploadAndWait(await gpsPhoto(), 'unheard.jpg')
		const url = srcsetUrl(doomed, 'webp', 256)
		for (let i = 0; i < 2; i++) expect((await get(url)).status).toBe(200)
		// Cut the web processes' LISTEN connections, then delete behind their backs.
		const cut = await sql`
			select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen image_events'`
		expect(cut.length).toBeGreaterThan(0)
		await sql`update images set deleted_at = now() where id = ${doomed.id}`
		await expectProblem(await get(url), 410)
	})
})

describe('unsigned URLs', () => {
	it('may name only a preset, and only of an image shared by a live link', async () => {
		const version = versionOf(photo)
		const preset = `${web.baseUrl}/img/_/${photo.id}/v${version}/p_card`
		await expectProblem(await get(`${web.baseUrl}/img/_/${photo.id}/v${version}/w_300`), 403)
		await expectProblem(await get(preset), 404)

		const [owner] = await sql<
			{ user_id: string }[]
		>`select user_id from images where id = ${photo.id}`
		const [link] = await sql<{ id: string }[]>`
			insert into share_links (user_id, token, image_id)
			values (${owner!.user_id}, ${'t-' + photo.id}, ${photo.id}) returning id`
		const shared = await get(preset)
		expect(shared.status).toBe(200)
		expect(shared.headers.get('Cache-Control')).toBe('public, max-age=60')

		await sql`update share_links set revoked_at = now() where id = ${link!.id}`
		await expectProblem(await get(preset), 404)
		await sql`update share_links set revoked_at = null, expires_at = now() - interval '1 second' where id = ${link!.id}`
		await expectProblem(await get(preset), 404)
	})

	it('1,000 distinct unsigned option sets make no rendition', async () => {
		const before = await madeCount()
		const version = versionOf(photo)
		const statuses = new Set<number>()
		for (let batch = 0; batch < 10; batch++) {
			const responses = await Promise.all(
				Array.from({ length: 100 }, (_, i) =>
					get(`${web.baseUrl}/img/_/${photo.id}/v${version}/w_${batch * 100 + i + 1}`),
				),
			)
			for (const response of responses) {
				statuses.add(response.status)
				await response.body?.cancel()
			}
		}
		expect([...statuses]).toEqual([403])
		expect(await madeCount()).toBe(before)
	})
})

describe('eviction (the cleanup-renditions crontab)', () => {
	const storageDir = path.join(process.env.DATA_DIR!, 'storage')
	const fileOf = (key: string) => path.join(storageDir, key)

	it('removes renditions unrequested for days, then the least recently requested over the budget, then files no row names', async () => {
		const image = await uploadAndWait(await gpsPhoto(), 'evicted.jpg')
		const urls = ['w_100,f_webp', 'w_200,f_webp', 'w_300,f_webp'].map((o) => signedUrl(image, o))
		for (const url of urls) expect((await get(url)).status).toBe(200)
		const rows = await sql<{ key: string; byte_size: number }[]>`
			select key, byte_size from renditions where image_id = ${image.id} order by byte_size`
		expect(rows).toHaveLength(3)
		const [old, older, recent] = [rows[0]!, rows[1]!, rows[2]!]
		await sql`update renditions set last_requested_at = now() - interval '40 days' where key = ${old.key}`
		await sql`update renditions set last_requested_at = now() - interval '2 days' where key = ${older.key}`
		const stray = `renditions/${image.id}/v9/w1-h-inside-center-q75-e0.webp`
		fs.mkdirSync(path.dirname(fileOf(stray)), { recursive: true })
		fs.writeFileSync(fileOf(stray), 'left behind')

		// The budget holds every other rendition of this file's tests, and not `older`.
		const [kept] = await sql<{ bytes: number }[]>`
			select sum(byte_size)::int as bytes from renditions
			where ready_at is not null and key not in (${old.key}, ${older.key})`
		const result = await evictRenditions({
			unrequestedSince: new Date(Date.now() - 30 * 86_400_000),
			maxBytes: kept!.bytes,
			batchSize: 2,
			orphansOlderThan: new Date(Date.now() + 60_000),
		})
		expect(result).toEqual({ stale: 1, overBudget: 1, orphans: 1 })
		const left = await sql<
			{ key: string }[]
		>`select key from renditions where image_id = ${image.id}`
		expect(left.map((row) => row.key)).toEqual([recent.key])
		expect(fs.existsSync(fileOf(old.key))).toBe(false)
		expect(fs.existsSync(fileOf(older.key))).toBe(false)
		expect(fs.existsSync(fileOf(recent.key))).toBe(true)
		expect(fs.existsSync(fileOf(stray))).toBe(false)

		// Evicted is not lost: the next request makes it again.
		const again = await get(urls[0]!)
		expect(again.status).toBe(200)
		expect(await widthOf(again)).toBe(128)
	})

	it('makes a rendition again when its file went missing behind its row', async () => {
		const url = signedUrl(photo, 'w_400,f_webp')
		expect((await get(url)).status).toBe(200)
		const key = `renditions/${photo.id}/v${versionOf(photo)}/w512-h-inside-center-q75-e0.webp`
		const [row] = await sql<{ key: string }[]>`select key from renditions where key = ${key}`
		fs.rmSync(fileOf(row!.key))
		const response = await get(url)
		expect(response.status).toBe(200)
		expect(await widthOf(response)).toBe(512)
		expect(fs.existsSync(fileOf(row!.key))).toBe(true)
	})
})

describe('misses are rate-limited', () => {
	let limited: WebProcess
	beforeAll(async () => {
		limited = await startWeb({
			RATE_LIMIT_ENABLED: 'true',
			RATE_LIMIT_RENDITION: '3/60s',
			RATE_LIMIT_RENDITION_IMAGE: '1000/60s',
		})
	})
	afterAll(() => limited?.stop())

	it('per client: new sizes beyond the limit get 429, while made ones are still served', async () => {
		// The counters live in the database: this file's other misses (from the same address) count too.
		await sql`delete from rate_limits where key like 'rendition%'`
		const statuses: number[] = []
		for (const width of [64, 128, 256, 384, 512]) {
			const response = await get(signedUrl(photo, `w_${width},f_jpeg,q_61`, limited.baseUrl))
			statuses.push(response.status)
			await response.body?.cancel()
		}
		expect(statuses).toEqual([200, 200, 200, 429, 429])
		const problem = await expectProblem(
			await get(signedUrl(photo, 'w_640,f_jpeg,q_61', limited.baseUrl)),
			429,
		)
		expect(problem.detail).toMatch(/new image sizes/i)
		// Hits are not counted: what exists keeps being served.
		expect((await get(signedUrl(photo, 'w_64,f_jpeg,q_61', limited.baseUrl))).status).toBe(200)
	})
})
