import { startFakeOpenAi } from '#tests/support/fake-openai'
import { PRESELECTED } from '#app/search/modes'
import type { Context, Row, SectionResult } from '../lib/context'
import type { Sql } from '../lib/database'
import { expectStatus, register } from '../lib/http'
import { startWeb } from '../lib/processes'
import { round, since, summarize } from '../lib/stats'
import { insertImages } from './list'

// Semantic search without pgvector (the real[] + signature fallback) at
// `searchRows` embedded images of one user: GET /api/images?q= in `semantic`
// and `hybrid` mode through the real web process, whose query embeddings come
// from the local fake OpenAI server; and the recall of the signature
// pre-selection against the exact cosine order.
//
// Synthetic vectors, fast to make in SQL and shaped like real ones: 512
// dimensions in 8 chunks of 64; a pool of 2,000 random chunks per position,
// each scaled so a vector of 8 is unit length. An image belongs to one of
// 1,000 clusters and takes its cluster's chunk at each position with
// probability 0.6, else a random one: neighbours share chunks, as related
// texts share directions. A chunk-wise dot product gives the exact cosine
// order to compare with, without scanning 100k × 512 floats per query.

const DIMENSIONS = 512
const CHUNKS = 8
const CHUNK = DIMENSIONS / CHUNKS
const POOL = 2000
const CLUSTERS = 1000
const MODEL = 'text-embedding-3-small'
const RECALL_AT = 20
const TARGET_MS = 150

/** Words the fake server embeds; cached by the web after the first (warm-up) use of each. */
const QUERY_WORDS = ['receipt', 'bicycle', 'beach', 'dog', 'mountain', 'cat', 'invoice', 'sunset']

type Mode = 'semantic' | 'hybrid'

export async function search(ctx: Context): Promise<SectionResult> {
	const { searchRows: rows, searchRequests: requests, searchRecallQueries } = ctx.options.sizes
	const fake = await startFakeOpenAi()
	const app = await ctx.openApp('search')
	const web = await startWeb({
		...app.env,
		AI_PROVIDER: 'openai',
		OPENAI_BASE_URL: fake.baseUrl,
		OPENAI_API_KEY: 'sk-bench-not-real',
		OPENAI_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
	})
	try {
		const user = await register(web.baseUrl)
		ctx.log(`inserting ${rows.toLocaleString('en')} images and embeddings for one user`)
		const insertStarted = performance.now()
		await insertImages(app.sql, user.userId, rows, 0)
		await insertEmbeddings(app.sql, user.userId)
		await app.sql`vacuum analyze images`
		await app.sql`vacuum analyze image_embeddings`
		const insertSeconds = since(insertStarted) / 1000

		const times: Record<Mode, number[]> = { semantic: [], hybrid: [] }
		ctx.log(`${requests} requests per mode, one client, interleaved`)
		for (let i = -QUERY_WORDS.length; i < requests; i++) {
			const word = QUERY_WORDS[(i + QUERY_WORDS.length) % QUERY_WORDS.length]!
			for (const mode of ['semantic', 'hybrid'] as const) {
				const path = `/api/images?q=${word}&mode=${mode}`
				const reply = await expectStatus(web.baseUrl, { path, token: user.token }, 200)
				// Negative i: warm-up, and each query's one embedding call.
				if (i >= 0) times[mode].push(reply.ms)
			}
		}
		ctx.log(`recall@${RECALL_AT} of the signature pre-selection, ${searchRecallQueries} queries`)
		const recall = await measureRecall(app.sql, user.userId, searchRecallQueries)
		ctx.log('one exact scan (element-wise dot product over every vector), for comparison')
		const exactScanMs = await timeExactScan(app.sql, user.userId)
		return report(times, recall, exactScanMs, rows, insertSeconds)
	} finally {
		await web.stop()
		await app.sql`drop table if exists bench_chunks, bench_picks`
		await app.sql`delete from image_embeddings`
		await fake.stop()
	}
}

/** The chunk pool and each image's picks (kept for the exact order), then the embeddings. */
export async function insertEmbeddings(sql: Sql, userId: string) {
	await sql`create table bench_chunks (j int, c int, v real[], sig varbit, primary key (j, c))`
	// Correlated on j and c, so random() runs for every chunk, not once.
	await sql`
		insert into bench_chunks
		select j, c, array(select (x / sqrt(ss * ${CHUNKS}))::real from unnest(raw) x),
			(select string_agg(case when x >= 0 then '1' else '0' end, '') from unnest(raw) x)::varbit
		from (
			select j, c, raw, (select sum(x * x) from unnest(raw) x) as ss
			from (
				select j, c, array(select random() * 2 - 1 + 0 * j * c from generate_series(1, ${CHUNK})) as raw
				from generate_series(0, ${CHUNKS - 1}) j, generate_series(0, ${POOL - 1}) c
			) r
		) s`
	// The app's quantized form (app/search/vectors.ts): one step for the whole pool, so chunks concatenate.
	await sql`alter table bench_chunks add column step real, add column q bytea`
	await sql`
		update bench_chunks set step = m.max / 127,
			q = (select decode(string_agg(lpad(to_hex(round(x * 127 / m.max)::int & 255), 2, '0'), '' order by k), 'hex')
				from unnest(v) with ordinality t(x, k))
		from (select max(abs(x)) as max from bench_chunks, unnest(v) x) m`
	const picks = Array.from(
		{ length: CHUNKS },
		(_, j) =>
			`case when random() < 0.6 then (cluster * 37 + ${j * 101}) % ${POOL} else floor(random() * ${POOL})::int end as p${j}`,
	).join(', ')
	await sql.unsafe(
		`create table bench_picks as
		select id, ${picks} from (
			select id, (row_number() over (order by id) % ${CLUSTERS})::int as cluster
			from images where user_id = $1
		) i`,
		[userId],
	)
	const joins = Array.from(
		{ length: CHUNKS },
		(_, j) => `join bench_chunks c${j} on c${j}.j = ${j} and c${j}.c = p.p${j}`,
	).join('\n')
	const concat = (column: string) =>
		Array.from({ length: CHUNKS }, (_, j) => `c${j}.${column}`).join(' || ')
	await sql.unsafe(
		`insert into image_embeddings (image_id, user_id, model, dimensions, text_hash, embedding, signature, quantized)
		select p.id, $1, $2, ${DIMENSIONS}, md5(p.id::text), ${concat('v')}, ${concat('sig')},
			float4send(c0.step) || ${concat('q')}
		from bench_picks p
		${joins}`,
		[userId, MODEL],
	)
}

/** Pre-selection sizes whose recall is measured; PRESELECTED is what the app uses. */
const RECALL_SIZES = [...new Set([100, 200, PRESELECTED, 1000])].sort((a, b) => a - b)

/**
 * For queries made like an image of a random cluster: the share of the exact
 * top RECALL_AT (by chunk-wise dot products, in JavaScript) that the
 * fallback's pre-selection (the K nearest by Hamming distance, for each K of
 * RECALL_SIZES) contains. Its exact re-scoring then ranks them exactly, so
 * this is the recall of the answer.
 */
async function measureRecall(sql: Sql, userId: string, queries: number) {
	const pool = await sql<{ j: number; c: number; v: number[]; sig: string }[]>`
		select j, c, v, sig::text as sig from bench_chunks`
	const chunkOf = (j: number, c: number) => pool[j * POOL + c]!
	pool.sort((a, b) => a.j - b.j || a.c - b.c)
	const picks = await sql<{ id: string; p: number[] }[]>`
		select id, array[${sql.unsafe(Array.from({ length: CHUNKS }, (_, j) => `p${j}`).join(', '))}] as p
		from bench_picks`
	const recalls = Object.fromEntries(RECALL_SIZES.map((size) => [size, [] as number[]]))
	const times: number[] = []
	for (let q = 0; q < queries; q++) {
		const cluster = Math.floor(Math.random() * CLUSTERS)
		const query = Array.from({ length: CHUNKS }, (_, j) =>
			chunkOf(
				j,
				Math.random() < 0.6 ? (cluster * 37 + j * 101) % POOL : Math.floor(Math.random() * POOL),
			),
		)
		const signature = query.map((chunk) => chunk.sig).join('')
		// Each pool chunk's dot with the query's chunk at its position, then 8 lookups per image.
		const dots = pool.map((chunk) =>
			chunk.v.reduce((sum, x, k) => sum + x * query[chunk.j]!.v[k]!, 0),
		)
		const exact = picks
			.map((row) => ({
				id: row.id,
				score: row.p.reduce((sum, c, j) => sum + dots[j * POOL + c]!, 0),
			}))
			.sort((a, b) => b.score - a.score)
			.slice(0, RECALL_AT)
		for (const size of RECALL_SIZES) {
			const started = performance.now()
			// The fallback's pre-selection (app/search/ranking.server.ts, preselect).
			const preselected = await sql<{ id: string }[]>`
				select e.image_id as id from image_embeddings e
				where e.user_id = ${userId} and e.model = ${MODEL} and e.dimensions = ${DIMENSIONS}
				order by bit_count(e.signature # ${signature}::varbit) limit ${size}`
			if (size === PRESELECTED) times.push(since(started))
			const found = new Set(preselected.map((row) => row.id))
			recalls[size]!.push(exact.filter((row) => found.has(row.id)).length / exact.length)
		}
	}
	const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
	return {
		bySize: Object.fromEntries(
			Object.entries(recalls).map(([size, values]) => [
				size,
				{ mean: round(mean(values), 4), min: round(Math.min(...values), 4) },
			]),
		),
		sqlMs: summarize(times),
	}
}

/** The naive way: an element-wise dot product in SQL over every vector of the user. */
async function timeExactScan(sql: Sql, userId: string) {
	const [row] = await sql<{ v: number[] }[]>`select embedding as v from image_embeddings limit 1`
	const started = performance.now()
	await sql`
		select e.image_id from image_embeddings e where e.user_id = ${userId}
		order by (select sum(a * b) from unnest(e.embedding, ${`{${row!.v.join(',')}}`}::real[]) t(a, b)) desc
		limit ${RECALL_AT}`
	return since(started)
}

function report(
	times: Record<Mode, number[]>,
	recall: Awaited<ReturnType<typeof measureRecall>>,
	exactScanMs: number,
	rows: number,
	insertSeconds: number,
): SectionResult {
	const ms = (value: number) => `${value.toFixed(1)} ms`
	const count = rows.toLocaleString('en')
	const tableRows: Row[] = (['semantic', 'hybrid'] as const).map((mode) => {
		const summary = summarize(times[mode])
		return {
			section: 'Search',
			metric: `GET /api/images?q=…&mode=${mode} p99 (p50), ${count} embedded images, fallback path`,
			value: `${ms(summary.p99)} (${ms(summary.p50)})`,
			reference: `${ms(exactScanMs)} one exact scan`,
			ratio: summary.p99 / exactScanMs,
			target: `≤ ${TARGET_MS} ms`,
			pass: summary.p99 <= TARGET_MS,
		}
	})
	tableRows.push({
		section: 'Search',
		metric: `recall@${RECALL_AT} vs exact cosine, by signature candidates (mean/min)`,
		value: Object.entries(recall.bySize)
			.map(([size, r]) => `${size}: ${r.mean}/${r.min}`)
			.join(', '),
		reference: `${ms(recall.sqlMs.p50)} pre-selection of ${PRESELECTED}, SQL p50`,
		ratio: null,
		target: 'info',
		pass: null,
	})
	return {
		rows: tableRows,
		data: {
			rows,
			dimensions: DIMENSIONS,
			preselected: PRESELECTED,
			insertSeconds: round(insertSeconds, 1),
			requestsPerMode: times.semantic.length,
			latencyMs: Object.fromEntries(
				Object.entries(times).map(([mode, samples]) => [
					mode,
					Object.fromEntries(Object.entries(summarize(samples)).map(([k, v]) => [k, round(v, 2)])),
				]),
			),
			recall: { at: RECALL_AT, bySize: recall.bySize },
			recallSqlMs: Object.fromEntries(
				Object.entries(recall.sqlMs).map(([k, v]) => [k, round(v, 2)]),
			),
			exactScanMs: round(exactScanMs, 1),
		},
	}
}
