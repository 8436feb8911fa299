import type { Context, Row, SectionResult } from '../lib/context'
import type { Sql } from '../lib/database'
import { expectStatus, register } from '../lib/http'
import { cpuMeter } from '../lib/proc'
import { startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'

// List and detail with a big table: one user owning `listRows` completed
// images (inserted with generate_series; the keys point at no file, which
// is fine because list and detail only sign URLs). One client sends the
// three routes in turn, so each sees the same moment-to-moment load.

export async function list(ctx: Context): Promise<SectionResult> {
	const { listRows: rows, listRequests: requests } = ctx.options.sizes
	const app = await ctx.openApp('list')
	const web = await startWeb(app.env)
	try {
		const { token, userId } = await register(web.baseUrl)
		ctx.log(`inserting ${rows.toLocaleString('en')} images for one user`)
		await insertImages(app.sql, userId, rows)
		const ids = (
			await app.sql<{ id: string }[]>`select id from images order by random() limit 500`
		).map((row) => row.id)

		const routes = {
			health: () => '/api/health',
			list: () => '/api/images',
			detail: () => `/api/images/${ids[Math.floor(Math.random() * ids.length)]}`,
		}
		const times: Record<keyof typeof routes, number[]> = { health: [], list: [], detail: [] }
		ctx.log(`${requests} requests per route, one client, interleaved`)
		for (let i = -30; i < requests; i++) {
			for (const [name, path] of Object.entries(routes) as Array<[keyof typeof routes, () => string]>) {
				const reply = await expectStatus(web.baseUrl, { path: path(), token }, 200)
				// Negative i: warm-up.
				if (i >= 0) times[name].push(reply.ms)
			}
		}
		// CPU per request, route by route (sequential blocks: CPU time, unlike
		// latency, is not skewed by load that comes and goes).
		const cpuMsPerRequest: Record<string, number> = {}
		const cpuRequests = Math.min(requests, 200)
		for (const [name, path] of Object.entries(routes)) {
			const cpu = cpuMeter(() => [web.pid, ...ctx.postgresPids()])
			for (let i = 0; i < cpuRequests; i++) {
				await expectStatus(web.baseUrl, { path: path(), token }, 200)
			}
			cpuMsPerRequest[name] = cpu() / cpuRequests
		}
		return report(times, cpuMsPerRequest, rows)
	} finally {
		await web.stop()
	}
}

/** Completed images with variants, newest first every minute back, then VACUUM ANALYZE as autovacuum would. */
async function insertImages(sql: Sql, userId: string, count: number) {
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
			select g, gen_random_uuid() as id, now() - g * interval '1 minute' as at
			from generate_series(1, ${count}::int) g
		) s, lateral (select 'images/' || ${userId} || '/' || s.id || '/' as prefix) p`
	await sql`vacuum analyze images`
}

function report(
	times: Record<'health' | 'list' | 'detail', number[]>,
	cpuMsPerRequest: Record<string, number>,
	rows: number,
): SectionResult {
	const health = summarize(times.health)
	const ms = (value: number) => `${value.toFixed(1)} ms`
	const tableRows: Row[] = (['list', 'detail'] as const).map((name) => {
		const s = summarize(times[name])
		return {
			section: 'List & detail',
			metric: `${name === 'list' ? 'GET /api/images (page 1 of 20)' : 'GET /api/images/{id}'} p99, ${rows.toLocaleString('en')} rows`,
			value: ms(s.p99),
			reference: `${ms(health.p99)} health`,
			ratio: s.p99 / health.p99,
			target: '≤ 20 ms',
			pass: s.p99 <= 20,
		}
	})
	tableRows.push({
		section: 'List & detail',
		metric: 'GET /api/images CPU ms per request (web + PostgreSQL)',
		value: cpuMsPerRequest.list!.toFixed(1),
		reference: `${cpuMsPerRequest.health!.toFixed(1)} health`,
		ratio: cpuMsPerRequest.list! / cpuMsPerRequest.health!,
		target: 'info',
		pass: null,
	})
	const rounded = (samples: number[]) =>
		Object.fromEntries(Object.entries(summarize(samples)).map(([k, v]) => [k, round(v, 2)]))
	return {
		rows: tableRows,
		data: {
			rows,
			requestsPerRoute: times.list.length,
			listMs: rounded(times.list),
			detailMs: rounded(times.detail),
			healthMs: rounded(times.health),
			cpuMsPerRequest: Object.fromEntries(
				Object.entries(cpuMsPerRequest).map(([k, v]) => [k, round(v, 2)]),
			),
		},
	}
}
