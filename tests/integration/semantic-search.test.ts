import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	getImage,
	type ImageList,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import {
	chatCompletion,
	errorBody,
	startFakeOpenAi,
	type FakeOpenAi,
} from '#tests/support/fake-openai'
import { smallJpeg } from '#tests/support/images'

// Semantic search on real processes: the worker embeds each analysed image
// through the local OpenAI-compatible server's /v1/embeddings (deterministic
// vectors from a concept vocabulary: "receipt" is near "invoice from the
// hardware store"), the web embeds queries the same way, and the test
// PostgreSQL has no pgvector, so the real[] + signature path is what runs.

let fake: FakeOpenAi
let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let token: string
const ids: Record<string, string> = {}

const analyses = {
	// The meaning match for "receipt": never says the word.
	invoice: {
		summary: 'An invoice from the hardware store listing nails and paint.',
		tags: ['paper', 'document'],
		ocrText: 'TOTAL 12.50',
	},
	// Says "receipt", but is mostly about other things: further in meaning.
	napping: {
		summary: 'A dog and a cat asleep on a beach towel beside a crumpled receipt.',
		tags: ['dog', 'cat', 'beach'],
		ocrText: null,
	},
	bicycle: {
		summary: 'A red bicycle leaning against a brick wall.',
		tags: ['bicycle', 'street', 'red'],
		ocrText: null,
	},
	mountain: {
		summary: 'Snow on a mountain peak above a hiking trail.',
		tags: ['mountain', 'snow'],
		ocrText: null,
	},
} as const

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	fake = await startFakeOpenAi()
	const env = {
		AI_PROVIDER: 'openai',
		OPENAI_BASE_URL: fake.baseUrl,
		OPENAI_API_KEY: 'sk-test-not-real',
		OPENAI_MODERATION_MODEL: 'none',
		AI_MAX_ATTEMPTS: '2',
		AI_TIMEOUT_MS: '2000',
	}
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	;({ token } = await register(web.baseUrl))
	// One at a time, so each image gets the analysis queued for it.
	for (const [name, analysis] of Object.entries(analyses)) {
		fake.enqueue('chat', {
			body: chatCompletion({ ...analysis, safety: { flagged: false, categories: [] } }),
		})
		ids[name] = await uploadAndAnalyse(`${name === 'invoice' ? 'scan-001' : name}.jpg`)
		await waitForEmbedding(ids[name]!)
	}
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await fake?.stop()
	await sql?.end()
})

async function uploadAndAnalyse(filename: string, as = token) {
	const response = await uploadFile(web.baseUrl, as, await smallJpeg(), filename)
	expect(response.status, await response.clone().text()).toBe(202)
	const { id } = (await response.json()) as { id: string }
	const image = await waitForTerminal(web.baseUrl, as, id)
	expect(image.overallStatus).toBe('completed')
	return id
}

async function waitForEmbedding(id: string) {
	const deadline = Date.now() + 20_000
	while (Date.now() < deadline) {
		const [row] = await sql`select 1 from image_embeddings where image_id = ${id}`
		if (row) return
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
	throw new Error(`Image ${id} was not embedded in time`)
}

async function search(q: string, mode?: string, as = token) {
	const params = new URLSearchParams({ q, pageSize: '100', ...(mode && { mode }) })
	const response = await api(web.baseUrl, `/api/images?${params}`, { token: as })
	const text = await response.text()
	expect(response.status, text).toBe(200)
	const list = JSON.parse(text) as ImageList & { mode: string | null }
	const nameOf = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]))
	return { names: list.items.map((item) => nameOf[item.id] ?? item.filename), list }
}

describe('ranking', () => {
	it('finds the meaning match first when no image has the words', async () => {
		// Nobody's text says "purchase"; the invoice means it, the napping pets a little.
		const { names, list } = await search('purchase')
		expect(list.mode).toBe('hybrid')
		expect(names).toEqual(['invoice', 'napping'])
		expect((await search('purchase', 'text')).names).toEqual([])
	})

	it('puts the exact word first when it exists, though another image is closer in meaning', async () => {
		// By meaning alone the invoice is nearer to "receipt" than the pets are…
		expect((await search('receipt', 'semantic')).names).toEqual(['invoice', 'napping'])
		// …but the image that says "receipt" comes first, the meaning match after it.
		const hybrid = await search('receipt')
		expect(hybrid.list.mode).toBe('hybrid')
		expect(hybrid.names).toEqual(['napping', 'invoice'])
		expect(hybrid.list.total).toBe(2)
	})

	it('keeps an exact phrase first, and unrelated images out', async () => {
		const { names } = await search('"red bicycle"')
		expect(names[0]).toBe('bicycle')
		expect(names).not.toContain('mountain')
		expect((await search('bike')).names).toEqual(['bicycle'])
	})

	it('matches a prefix as the user types, and keeps exclusions', async () => {
		expect((await search('hardw')).names[0]).toBe('invoice')
		expect((await search('receipt -dog')).names).toEqual(['invoice'])
	})

	it('mode=text behaves as before: words only, in the sort order', async () => {
		const { names, list } = await search('receipt', 'text')
		expect(list.mode).toBe('text')
		expect(names).toEqual(['napping'])
	})

	it('pages through the relevance order', async () => {
		const first = await api(web.baseUrl, '/api/images?q=receipt&pageSize=1&page=2', { token })
		const body = (await first.json()) as ImageList
		expect(body.items.map((item) => item.id)).toEqual([ids.invoice])
		expect(body).toMatchObject({ total: 2, totalPages: 2, page: 2 })
	})

	it('never shows another user’s private images', async () => {
		const stranger = await register(web.baseUrl)
		const { names, list } = await search('receipt', undefined, stranger.token)
		expect(names).toEqual([])
		// Nothing of theirs is embedded: words only.
		expect(list.mode).toBe('text')
		await expectProblem(
			await api(web.baseUrl, '/api/images?q=receipt&mode=semantic', { token: stranger.token }),
			422,
		)
	})

	it('the fallback path (real[] and signatures) is what runs without pgvector', async () => {
		const [extension] = await sql`select 1 from pg_available_extensions where name = 'vector'`
		const [column] = await sql`
			select 1 from information_schema.columns
			where table_name = 'image_embeddings' and column_name = 'embedding_vector'`
		expect(extension).toBeUndefined()
		expect(column).toBeUndefined()
		const [row] = await sql<[{ dims: number; bits: number }]>`
			select array_length(embedding, 1) as dims, length(signature) as bits
			from image_embeddings where image_id = ${ids.invoice!}`
		expect(row).toEqual({ dims: 512, bits: 512 })
	})
})

describe('cost', () => {
	it('records the embedding tokens and cost, and does not pay twice for one query', async () => {
		const before = fake.requestsTo('embeddings').length
		await search('hiking boots')
		await search('hiking boots')
		expect(fake.requestsTo('embeddings').length).toBe(before + 1)
		const request = fake.requestsTo('embeddings').at(-1)!.body as Record<string, unknown>
		expect(request).toMatchObject({
			model: 'text-embedding-3-small',
			dimensions: 512,
			input: ['hiking boots'],
		})

		const usage = (await (await api(web.baseUrl, '/api/usage', { token })).json()) as Record<
			string,
			number
		>
		const [recorded] = await sql<[{ requests: number; tokens: number }]>`
			select count(*)::int as requests, sum(input_tokens)::int as tokens from embedding_usage`
		// Four images and every distinct query so far, each one call.
		expect(usage.embeddingRequests).toBe(recorded.requests)
		expect(usage.embeddingRequests).toBe(fake.requestsTo('embeddings').length)
		expect(usage.embeddingTokens).toBe(recorded.tokens)
		expect(usage.embeddingTokens).toBeGreaterThan(20)
		// text-embedding-3-small: $0.02 per 1M tokens.
		expect(usage.embeddingCostUsd).toBeCloseTo((recorded.tokens * 0.02) / 1e6, 10)
		expect(usage.totalCostUsd).toBeCloseTo(usage.costUsd! + usage.embeddingCostUsd!, 10)
	})

	it('forgets a cached query nobody searched for a month, so it is embedded again', async () => {
		await search('alpine summit')
		await sql`update query_embeddings set used_at = now() - interval '31 days'`
		const { deleteExpiredRows } = await import('#worker/tasks/cleanup-expired-rows')
		expect((await deleteExpiredRows({ batchSize: 100 })).queryEmbeddings).toBeGreaterThan(0)
		const before = fake.requestsTo('embeddings').length
		await search('alpine summit')
		expect(fake.requestsTo('embeddings').length).toBe(before + 1)
	})
})

describe('failures', () => {
	it('a failed embedding leaves the image completed, with the error readable', async () => {
		fake.enqueue('chat', {
			body: chatCompletion({
				summary: 'A kitten on a windowsill.',
				tags: ['cat'],
				ocrText: null,
				safety: { flagged: false, categories: [] },
			}),
		})
		// Permanent: the provider refuses; no retry can fix it.
		fake.enqueue('embeddings', { status: 400, body: errorBody('Input is too long') })
		const id = await uploadAndAnalyse('kitten.jpg')
		const deadline = Date.now() + 20_000
		let image = await getImage(web.baseUrl, token, id)
		while (!image.aiError && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 100))
			image = await getImage(web.baseUrl, token, id)
		}
		expect(image.overallStatus).toBe('completed')
		expect(image.aiStatus).toBe('completed')
		expect(image.ai?.summary).toBe('A kitten on a windowsill.')
		expect(image.aiError).toMatch(/^Search embedding failed: .*400.*Input is too long/)
		const [row] = await sql`select 1 from image_embeddings where image_id = ${id}`
		expect(row).toBeUndefined()
		// Words still find it.
		expect((await search('kitten', 'text')).list.items.map((item) => item.id)).toEqual([id])
	})

	it('a query embedding outage falls back to words in hybrid, and is a 503 in semantic', async () => {
		fake.enqueue(
			'embeddings',
			...Array.from({ length: 2 }, () => ({ status: 500, body: errorBody('down') })),
		)
		const { names, list } = await search('receipt outage')
		expect(list.mode).toBe('text')
		expect(names).toEqual([])
		fake.enqueue(
			'embeddings',
			...Array.from({ length: 2 }, () => ({ status: 500, body: errorBody('down') })),
		)
		const problem = await expectProblem(
			await api(web.baseUrl, '/api/images?q=another+outage&mode=semantic', { token }),
			503,
		)
		expect(problem.detail).toMatch(/Semantic search is unavailable/)
	})
})

describe('similar images', () => {
	it('by embedding: the nearest in meaning first', async () => {
		const response = await api(web.baseUrl, `/api/images/${ids.invoice}/similar`, { token })
		expect(response.status).toBe(200)
		const body = (await response.json()) as { items: Array<{ id: string }>; basis: string }
		expect(body.basis).toBe('embedding')
		expect(body.items.map((item) => item.id)[0]).toBe(ids.napping)
		expect(body.items.map((item) => item.id)).not.toContain(ids.invoice)
	})

	it('by perceptual hash when the image has no embedding', async () => {
		await sql`delete from image_embeddings where image_id = ${ids.bicycle!}`
		await sql`update images set phash = null`
		const hash = 0x0f0f_1234_5678_9abcn
		await sql`update images set phash = ${(hash ^ 0b111n).toString()}::bigint where id = ${ids.mountain!}`
		await sql`update images set phash = ${hash.toString()}::bigint where id = ${ids.bicycle!}`
		// Every bit different: looks nothing alike.
		await sql`update images set phash = ${(~hash).toString()}::bigint where id = ${ids.invoice!}`
		const response = await api(web.baseUrl, `/api/images/${ids.bicycle}/similar`, { token })
		const body = (await response.json()) as { items: Array<{ id: string }>; basis: string }
		expect(body.basis).toBe('visual')
		expect(body.items.map((item) => item.id)).toEqual([ids.mountain])
	})

	it('another user’s image is 404', async () => {
		const stranger = await register(web.baseUrl)
		await expectProblem(
			await api(web.baseUrl, `/api/images/${ids.invoice}/similar`, { token: stranger.token }),
			404,
		)
		await expectProblem(
			await api(web.baseUrl, `/api/images/${ids.invoice}/similar?limit=0`, { token }),
			422,
		)
	})
})
