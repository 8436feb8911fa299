import fs from 'node:fs'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	type ImageDetail,
	type ImageList,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import { orientedJpeg, smallJpeg } from '#tests/support/images'

// GET /api/images?q= by name parts and prefixes, and the date-taken filters
// and sorts (the gallery page uses the same query). The worker runs for the
// one image whose date taken must come from its EXIF; the others get their
// dates and AI text written directly, as the worker would store them.

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let token: string
const ids: Record<string, string> = {}

const rockets = Array.from({ length: 6 }, (_, i) => `rocket-copy-${i + 1}.jpg`)
const others = ['camera-4000x3000.jpg', 'IMG_2001.jpg', 'notes_50%.jpg', 'beach.jpg', 'Rockery.jpg']

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	const env = { AI_PROVIDER: 'none' }
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	;({ token } = await register(web.baseUrl))
	const bytes = await smallJpeg()
	for (const [index, name] of [...rockets, ...others].entries()) {
		const response = await uploadFile(web.baseUrl, token, bytes, name)
		expect(response.status, await response.clone().text()).toBe(202)
		ids[name] = ((await response.json()) as ImageDetail).id
		// One a minute apart, the first oldest: `newest` order is the reverse of upload.
		await sql`update images set created_at = ${new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString()} where id = ${ids[name]!}`
	}
	await Promise.all(Object.values(ids).map((id) => waitForTerminal(web.baseUrl, token, id)))
	await setAi('beach.jpg', 'A red car parked by the sea at sunset', ['beach', 'sunset'])
	await setAi('IMG_2001.jpg', 'Two cars, one red and one blue', ['car'])
	await setTaken('beach.jpg', '2019-07-04T18:00:00Z')
	await setTaken('IMG_2001.jpg', '2021-03-01T09:30:00Z')
	await setTaken('Rockery.jpg', '2021-03-02T23:59:59Z')
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await sql?.end()
})

async function setAi(name: string, summary: string, tags: string[]) {
	const ai = { summary, tags, ocrText: '', safety: { flagged: false, categories: [] } }
	await sql`update images set ai = ${sql.json(ai)} where id = ${ids[name]!}`
}

async function setTaken(name: string, takenAt: string) {
	await sql`update images set taken_at = ${takenAt} where id = ${ids[name]!}`
}

async function names(query: string) {
	const response = await api(web.baseUrl, `/api/images?pageSize=100&${query}`, { token })
	const text = await response.text()
	expect(response.status, text).toBe(200)
	return (JSON.parse(text) as ImageList).items.map((item) => item.filename)
}

const search = (q: string, more = '') => names(`q=${encodeURIComponent(q)}${more}`)
const newestFirst = (list: string[]) => [...list].reverse()

describe('name search', () => {
	it('finds names with hyphens, whole or in part', async () => {
		expect(await search('rocket-copy')).toEqual(newestFirst(rockets))
		expect(await search('rocket-copy-3')).toEqual(['rocket-copy-3.jpg'])
		expect(await search('camera-4000x3000')).toEqual(['camera-4000x3000.jpg'])
		expect(await search('4000x3000')).toEqual(['camera-4000x3000.jpg'])
	})

	it('finds prefixes and inner parts of names, ignoring case', async () => {
		expect(await search('rock')).toEqual(['Rockery.jpg', ...newestFirst(rockets)])
		expect(await search('ROCKET')).toEqual(newestFirst(rockets))
		expect(await search('img_20')).toEqual(['IMG_2001.jpg'])
		expect(await search('copy-6.j')).toEqual(['rocket-copy-6.jpg'])
	})

	it('takes % and _ literally', async () => {
		expect(await search('50%')).toEqual(['notes_50%.jpg'])
		expect(await search('_')).toEqual(['notes_50%.jpg', 'IMG_2001.jpg'])
		expect(await search('%')).toEqual(['notes_50%.jpg'])
	})

	it('keeps every term required, in any order', async () => {
		expect(await search('copy rocket 2')).toEqual(['rocket-copy-2.jpg'])
		expect(await search('rocket beach')).toEqual([])
	})
})

describe('exclusion', () => {
	it('excludes with a minus at the start or after a space only', async () => {
		expect(await search('rocket -copy-1 -copy-2')).toEqual(
			newestFirst(rockets.filter((n) => !/copy-[12]\./.test(n))),
		)
		expect(await search('-rocket')).toEqual(newestFirst(others))
		// A minus inside a term is part of it: nothing is named "copy 1" without it.
		expect(await search('copy-1')).toEqual(['rocket-copy-1.jpg'])
	})

	it('excludes matches in the AI text too', async () => {
		expect(await search('jpg -sunset')).not.toContain('beach.jpg')
		expect(await search('jpg -sunset')).toHaveLength(rockets.length + others.length - 1)
	})
})

describe('text search', () => {
	it('matches words of the summary and tags, the last as a prefix', async () => {
		expect(await search('sunset')).toEqual(['beach.jpg'])
		expect(await search('sun')).toEqual(['beach.jpg'])
		expect(await search('car')).toEqual(['beach.jpg', 'IMG_2001.jpg'])
	})

	it('matches a quoted phrase as adjacent whole words', async () => {
		expect(await search('"red car"')).toEqual(['beach.jpg'])
		// Whole words: "red ca" is no phrase of either summary.
		expect(await search('"red ca"')).toEqual([])
		expect(await search('red -"red car"')).toEqual(['IMG_2001.jpg'])
	})

	it('lets either side of `or` match', async () => {
		expect(await search('sunset or camera')).toEqual(['beach.jpg', 'camera-4000x3000.jpg'])
		expect(await search('sunset OR camera -beach')).toEqual(['camera-4000x3000.jpg'])
	})

	it('keeps the list order (ranking unchanged) and sorts', async () => {
		expect(await search('rocket', '&sort=name')).toEqual(rockets)
		expect(await search('rocket', '&sort=oldest&pageSize=2&page=2')).toEqual(rockets.slice(2, 4))
	})
})

describe('date taken', () => {
	it('is stored by the worker from EXIF DateTimeOriginal', async () => {
		const response = await uploadFile(web.baseUrl, token, await orientedJpeg(), 'oriented.jpg')
		const { id } = (await response.json()) as ImageDetail
		const image = await waitForTerminal(web.baseUrl, token, id)
		expect(image.metadata).toMatchObject({ exif: { takenAt: '2024-05-18T12:03:27.000Z' } })
		const [row] = await sql<Array<{ takenAt: Date | null }>>`
			select taken_at as "takenAt" from images where id = ${id}`
		expect(row?.takenAt?.toISOString()).toBe('2024-05-18T12:03:27.000Z')
		expect(await names('date=taken&from=2024-05-18&to=2024-05-18')).toEqual(['oriented.jpg'])
		await sql`delete from images where id = ${id}`
	})

	it('is backfilled by migration 0014 from the EXIF date already stored', async () => {
		const file = fs.readFileSync(new URL('../../db/migrations/0014_taken_at.sql', import.meta.url))
		const backfill = file
			.toString()
			.split('--> statement-breakpoint')
			.find((statement) => /^\s*UPDATE/m.test(statement))!
		const [a, b] = [ids['rocket-copy-1.jpg']!, ids['rocket-copy-2.jpg']!]
		const exif = (takenAt: string) => sql.json({ exif: { takenAt } })
		await sql`update images set metadata = ${exif('2018-02-03T04:05:06.000Z')} where id = ${a}`
		await sql`update images set metadata = ${exif('sometime in 2018')} where id = ${b}`
		await sql.unsafe(backfill)
		const rows = await sql<Array<{ id: string; takenAt: Date | null }>>`
			select id, taken_at as "takenAt" from images where id in ${sql([a, b])}`
		const taken = Object.fromEntries(rows.map((row) => [row.id, row.takenAt?.toISOString()]))
		expect(taken).toEqual({ [a]: '2018-02-03T04:05:06.000Z', [b]: undefined })
		await sql`update images set taken_at = null where id = ${a}`
	})

	it('filters by whole UTC days of date taken with date=taken', async () => {
		expect(await names('date=taken&from=2021-03-01&to=2021-03-02')).toEqual([
			'Rockery.jpg',
			'IMG_2001.jpg',
		])
		expect(await names('date=taken&to=2020-12-31')).toEqual(['beach.jpg'])
		expect(await names('date=taken&from=2021-03-02')).toEqual(['Rockery.jpg'])
		// By upload date (the default) none of them is from 2021.
		expect(await names('from=2021-03-01&to=2021-03-02')).toEqual([])
		expect(await names('date=uploaded&from=2026-01-01&to=2026-01-01')).toHaveLength(
			rockets.length + others.length,
		)
	})

	it('sorts by date taken, images without one last', async () => {
		const undated = [...rockets, ...others].filter(
			(n) => !['beach.jpg', 'IMG_2001.jpg', 'Rockery.jpg'].includes(n),
		)
		const newest = await names('sort=taken-newest')
		expect(newest.slice(0, 3)).toEqual(['Rockery.jpg', 'IMG_2001.jpg', 'beach.jpg'])
		expect(newest.slice(3).sort()).toEqual(undated.sort())
		const oldest = await names('sort=taken-oldest')
		expect(oldest.slice(0, 3)).toEqual(['beach.jpg', 'IMG_2001.jpg', 'Rockery.jpg'])
		expect(oldest.slice(3).sort()).toEqual(undated.sort())
		const rock = await search('rock', '&sort=taken-newest')
		expect(rock[0]).toBe('Rockery.jpg')
		expect(rock.slice(1).sort()).toEqual(rockets)
	})
})

describe('bad input', () => {
	it.each([
		['from=2026-02-02&to=2026-02-01', 'to'],
		['date=taken&from=2026-02-02&to=2026-02-01', 'to'],
		['date=exif', 'date'],
		['sort=taken', 'sort'],
	])('?%s answers 422 naming %s', async (query, field) => {
		const problem = await expectProblem(
			await api(web.baseUrl, `/api/images?${query}`, { token }),
			422,
		)
		expect(problem.errors).toEqual(
			expect.arrayContaining([{ path: field, message: expect.any(String) }]),
		)
	})

	it('a query of only punctuation or a lone minus is no error', async () => {
		expect(await search('-')).toHaveLength(rockets.length + others.length)
		expect(await search('"')).toHaveLength(rockets.length + others.length)
		expect(await search('::*&|!')).toEqual([])
	})
})
