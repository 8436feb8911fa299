import type { Context, Row, SectionResult } from '../lib/context'
import type { Sql } from '../lib/database'
import { expectStatus, register } from '../lib/http'
import { cpuMeter } from '../lib/proc'
import { startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'

// List and detail with a big table: one user owning `listRows` completed
// images (inserted with generate_series; the keys point at no file, which
// is fine because list and detail only sign URLs), plus a second user with
// 1,000 images older than all of those: the heavy user alone lets a plan
// that walks the whole table by date look fast, the light one shows it.
// One client sends the routes in turn, so each sees the same moment-to-moment load.

const LIGHT_ROWS = 1000

type Route = 'health' | 'list' | 'listLight' | 'detail'

export async function list(ctx: Context): Promise<SectionResult> {
	const { listRows: rows, listRequests: requests } = ctx.options.sizes
	const app = await ctx.openApp('list')
	const web = await startWeb(app.env)
	try {
		const [heavy, light] = [await register(web.baseUrl), await register(web.baseUrl)]
		ctx.log(`inserting ${rows.toLocaleString('en')} images for one user, ${LIGHT_ROWS} for another`)
		await insertImages(app.sql, light.userId, LIGHT_ROWS, rows)
		await insertImages(app.sql, heavy.userId, rows, 0)
		await app.sql`vacuum analyze images`
		const ids = (
			await app.sql<{ id: string }[]>`
				select id from images where user_id = ${heavy.userId} order by random() limit 500`
		).map((row) => row.id)

		const routes: Record<Route, () => { path: string; token: string }> = {
			health: () => ({ path: '/api/health', token: heavy.token }),
			list: () => ({ path: '/api/images', token: heavy.token }),
			listLight: () => ({ path: '/api/images', token: light.token }),
			detail: () => ({
				path: `/api/images/${ids[Math.floor(Math.random() * ids.length)]}`,
				token: heavy.token,
			}),
		}
		const names = Object.keys(routes) as Route[]
		const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
			Route,
			number[]
		>
		ctx.log(`${requests} requests per route, one client, interleaved`)
		for (let i = -30; i < requests; i++) {
			for (const name of names) {
				const reply = await expectStatus(web.baseUrl, routes[name](), 200)
				// Negative i: warm-up.
				if (i >= 0) times[name].push(reply.ms)
			}
		}
		// CPU per request, route by route in blocks: CPU time, unlike latency,
		// is not skewed by load elsewhere on the machine that comes and goes.
		const cpuMsPerRequest = {} as Record<Route, number>
		const cpuRequests = Math.min(requests, 200)
		for (const name of names) {
			const cpu = cpuMeter(() => [web.pid, ...ctx.postgresPids()])
			for (let i = 0; i < cpuRequests; i++) await expectStatus(web.baseUrl, routes[name](), 200)
			cpuMsPerRequest[name] = cpu() / cpuRequests
		}
		return report(times, cpuMsPerRequest, rows)
	} finally {
		await web.stop()
	}
}

/**
 * Completed images with variants, one a minute going back from `minutesAgo`.
 * The caller runs VACUUM ANALYZE afterwards, as autovacuum eventually would.
 */
export async function insertImages(sql: Sql, userId: string, count: number, minutesAgo: number) {
	await sql`
		insert into images (id, user_id, filename, content_type, byte_size, sha256, width, height, format,
			original_key, status, ai_status, metadata, thumbnail, optimized, created_at, updated_at,
			processing_started_at, processed_at)
		select id, ${userId}, 'IMG_' || g || '.jpg', 'image/jpeg', 4000000, md5(g::text) || md5(id::text),
			4000, 3000, 'jpeg', prefix || 'original.jpg', 'completed', 'skipped',
			jsonb_build_object('format', 'jpeg', 'width', 4000, 'height', 3000, 'space', 'srgb',
				'hasAlpha', false, 'orientation', 1, 'density', 72, 'pages', 1, 'exif', null, 'gps', null),
			jsonb_build_object('key', prefix || 'thumbnail.webp', 'contentType', 'image/webp',
				'byteSize', 9000, 'width', 256, 'height', 192),
			jsonb_build_object('key', prefix || 'optimized.webp', 'contentType', 'image/webp',
				'byteSize', 400000, 'width', 2048, 'height', 1536),
			at, at, at, at
		from (
			select g, gen_random_uuid() as id, now() - (${minutesAgo}::int + g) * interval '1 minute' as at
			from generate_series(1, ${count}::int) g
		) s, lateral (select 'images/' || ${userId} || '/' || s.id || '/' as prefix) p`
}

function report(
	times: Record<Route, number[]>,
	cpu: Record<Route, number>,
	rows: number,
): SectionResult {
	const health = summarize(times.health)
	const ms = (value: number) => `${value.toFixed(1)} ms`
	const total = (rows + LIGHT_ROWS).toLocaleString('en')
	const labels: Array<[Route, string]> = [
		['list', `GET /api/images p99, user with ${rows.toLocaleString('en')} of ${total} rows`],
		['listLight', `GET /api/images p99, user with ${LIGHT_ROWS.toLocaleString('en')} older rows`],
		['detail', 'GET /api/images/{id} p99'],
	]
	const tableRows: Row[] = labels.map(([name, metric]) => {
		const p99 = summarize(times[name]).p99
		return {
			section: 'List & detail',
			metric,
			value: ms(p99),
			reference: `${ms(health.p99)} health`,
			ratio: p99 / health.p99,
			target: '≤ 20 ms',
			pass: p99 <= 20,
		}
	})
	tableRows.push({
		section: 'List & detail',
		metric: `CPU ms per request, web + PostgreSQL (list: heavy / light user)`,
		value: `${cpu.list.toFixed(1)} / ${cpu.listLight.toFixed(1)}`,
		reference: `${cpu.health.toFixed(1)} health`,
		ratio: Math.max(cpu.list, cpu.listLight) / cpu.health,
		target: 'info',
		pass: null,
	})
	const rounded = (values: Record<string, number>) =>
		Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 2)]))
	return {
		rows: tableRows,
		data: {
			rows,
			lightUserRows: LIGHT_ROWS,
			requestsPerRoute: times.list.length,
			latencyMs: Object.fromEntries(
				Object.entries(times).map(([name, samples]) => [name, rounded(summarize(samples))]),
			),
			cpuMsPerRequest: rounded(cpu),
		},
	}
}
