import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	type ImageDetail,
	type ImageList,
	register,
	startWeb,
	uploadFile,
	type WebProcess,
} from '#tests/support/app'
import { animatedGif, pngImage, smallJpeg, webpImage } from '#tests/support/images'

// GET /api/images: sort orders and the type and date filters (the gallery page
// uses the same query). No worker: listing needs only the rows.

let web: WebProcess
let sql: postgres.Sql
let token: string
/** Name → id of the uploaded images. */
const ids: Record<string, string> = {}

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	web = await startWeb()
	;({ token } = await register(web.baseUrl))
	const files: Array<[string, Buffer, string]> = [
		['banana.jpg', await smallJpeg(640, 480), '2026-01-10T12:00:00Z'],
		['Apple.png', await pngImage(), '2026-01-20T23:59:59Z'],
		['cherry.webp', await webpImage(), '2026-02-01T00:00:00Z'],
		['date.gif', await animatedGif(), '2026-02-15T08:00:00Z'],
	]
	for (const [name, bytes, createdAt] of files) {
		const response = await uploadFile(web.baseUrl, token, bytes, name)
		expect(response.status, await response.clone().text()).toBe(202)
		const { id } = (await response.json()) as ImageDetail
		ids[name] = id
		await sql`update images set created_at = ${createdAt} where id = ${id}`
	}
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

async function names(query: string) {
	const response = await api(web.baseUrl, `/api/images?${query}`, { token })
	const text = await response.text()
	expect(response.status, text).toBe(200)
	const list = JSON.parse(text) as ImageList
	return list.items.map((item) => item.filename)
}

describe('sorting', () => {
	it('is newest first by default and with sort=newest', async () => {
		const newest = ['date.gif', 'cherry.webp', 'Apple.png', 'banana.jpg']
		expect(await names('')).toEqual(newest)
		expect(await names('sort=newest')).toEqual(newest)
		expect(await names('sort=')).toEqual(newest)
	})

	it('sort=oldest reverses it, also across pages', async () => {
		expect(await names('sort=oldest')).toEqual([
			'banana.jpg',
			'Apple.png',
			'cherry.webp',
			'date.gif',
		])
		expect(await names('sort=oldest&pageSize=3&page=2')).toEqual(['date.gif'])
	})

	it('sort=name is A to Z ignoring case', async () => {
		expect(await names('sort=name')).toEqual(['Apple.png', 'banana.jpg', 'cherry.webp', 'date.gif'])
	})

	it('sort=size is largest original first', async () => {
		const rows = await sql<Array<{ filename: string; byteSize: number }>>`
			select filename, byte_size::int as "byteSize" from images
			where id in ${sql(Object.values(ids))} order by byte_size desc`
		// The fixtures differ in size, so the order is fully decided.
		expect(new Set(rows.map((row) => row.byteSize)).size).toBe(4)
		expect(rows.map((row) => row.filename)).not.toEqual(await names('sort=newest'))
		expect(await names('sort=size')).toEqual(rows.map((row) => row.filename))
	})
})

describe('filters', () => {
	it('type keeps one format, decided by the bytes', async () => {
		expect(await names('type=png')).toEqual(['Apple.png'])
		expect(await names('type=jpeg')).toEqual(['banana.jpg'])
		expect(await names('type=webp')).toEqual(['cherry.webp'])
		expect(await names('type=gif')).toEqual(['date.gif'])
		expect(await names('type=avif')).toEqual([])
	})

	it('from and to keep whole UTC days, both included', async () => {
		expect(await names('from=2026-01-20&to=2026-02-01&sort=oldest')).toEqual([
			'Apple.png',
			'cherry.webp',
		])
		expect(await names('from=2026-02-01')).toEqual(['date.gif', 'cherry.webp'])
		expect(await names('to=2026-01-19')).toEqual(['banana.jpg'])
		expect(await names('from=2026-01-10&to=2026-01-10')).toEqual(['banana.jpg'])
	})

	it('combine with each other and with the total', async () => {
		const response = await api(web.baseUrl, '/api/images?type=jpeg&from=2026-02-01', { token })
		expect(await response.json()).toMatchObject({ total: 0, totalPages: 0, items: [] })
		const list = (await (
			await api(web.baseUrl, '/api/images?from=2026-01-15&pageSize=1&sort=name', { token })
		).json()) as ImageList
		expect(list).toMatchObject({ total: 3, totalPages: 3 })
		expect(list.items.map((item) => item.filename)).toEqual(['Apple.png'])
	})

	it.each([
		['sort=random', 'sort'],
		['type=bmp', 'type'],
		['from=yesterday', 'from'],
		['to=2026-13-01', 'to'],
		['from=2026-02-02&to=2026-02-01', 'to'],
	])('?%s answers 422 naming %s', async (query, field) => {
		const response = await api(web.baseUrl, `/api/images?${query}`, { token })
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual(
			expect.arrayContaining([{ path: field, message: expect.any(String) }]),
		)
	})
})
