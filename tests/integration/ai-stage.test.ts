import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import {
	api,
	expectProblem,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type ImageDetail,
	type WebProcess,
} from '#tests/support/app'
import {
	chatCompletion,
	chatCompletionRaw,
	defaultAnalysis,
	errorBody,
	moderationBody,
	startFakeOpenAi,
	type FakeOpenAi,
} from '#tests/support/fake-openai'
import { smallJpeg } from '#tests/support/images'

// The whole AI stage on real processes: web + worker pointed at a local
// server that speaks the OpenAI API (OPENAI_BASE_URL), never a patched SDK.

let fake: FakeOpenAi
let web: WebProcess
let worker: AppProcess
let token: string

type AiDetail = ImageDetail & {
	ai: {
		summary: string | null
		tags: string[]
		ocrText: string | null
		safety: { flagged: boolean; categories: string[]; source: string }
		model: string
		inputTokens: number
		outputTokens: number
		costUsd: number
	} | null
}

beforeAll(async () => {
	fake = await startFakeOpenAi()
	const env = {
		AI_PROVIDER: 'openai',
		OPENAI_BASE_URL: fake.baseUrl,
		OPENAI_API_KEY: 'sk-test-not-real',
		AI_MAX_ATTEMPTS: '3',
		AI_TIMEOUT_MS: '1500',
	}
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	token = (await register(web.baseUrl)).token
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await fake?.stop()
})

beforeEach(() => fake.reset())

async function uploadAndFinish(name = 'street.jpg', as = token): Promise<AiDetail> {
	const response = await uploadFile(web.baseUrl, as, await smallJpeg(), name)
	expect(response.status, await response.clone().text()).toBe(202)
	const { id } = (await response.json()) as { id: string }
	return (await waitForTerminal(web.baseUrl, as, id)) as AiDetail
}

describe('analysis with an OpenAI-compatible provider', () => {
	test('stores summary, tags, OCR text, safety, model, tokens and the cost', async () => {
		const image = await uploadAndFinish()
		expect(image.overallStatus).toBe('completed')
		expect(image.aiStatus).toBe('completed')
		expect(image.aiError).toBeNull()
		expect(image.ai).toEqual({
			summary: defaultAnalysis.summary,
			tags: defaultAnalysis.tags,
			ocrText: defaultAnalysis.ocrText,
			safety: { flagged: false, categories: [], source: 'moderation' },
			model: 'gpt-4.1-mini-2025-04-14',
			inputTokens: 1200,
			outputTokens: 150,
			// gpt-4.1-mini: $0.40 per 1M input, $1.60 per 1M output tokens.
			costUsd: 0.00072,
		})

		// The request carried the image and asked for the JSON schema.
		const [chat] = fake.requestsTo('chat')
		const body = chat!.body as {
			model: string
			response_format: { type: string; json_schema: { schema: { properties: object } } }
			messages: Array<{ content: unknown }>
		}
		expect(body.model).toBe('gpt-4.1-mini')
		expect(body.response_format.type).toBe('json_schema')
		expect(Object.keys(body.response_format.json_schema.schema.properties)).toEqual(
			expect.arrayContaining(['summary', 'tags', 'ocrText', 'safety']),
		)
		expect(JSON.stringify(body.messages)).toMatch(/data:image\/jpeg;base64,\/9j\//)
		expect(JSON.stringify(fake.requestsTo('moderations')[0]!.body)).toMatch(
			/data:image\/jpeg;base64,/,
		)
	})

	test('a 429 with Retry-After is retried and then succeeds', async () => {
		fake.enqueue('chat', {
			status: 429,
			headers: { 'retry-after': '1' },
			body: errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'),
		})
		const image = await uploadAndFinish()
		expect(image.overallStatus).toBe('completed')
		expect(fake.requestsTo('chat')).toHaveLength(2)
		const [first, second] = fake.requestsTo('chat')
		expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900)
	})

	test('repeated 500s end in failed with a readable aiError; re-running the AI stage then works', async () => {
		const failure = { status: 500, body: errorBody('The server had an error', 'server_error') }
		fake.enqueue('chat', failure, failure, failure)
		const image = await uploadAndFinish()
		expect(fake.requestsTo('chat')).toHaveLength(3)
		expect(image.status).toBe('completed')
		expect(image.aiStatus).toBe('failed')
		expect(image.overallStatus).toBe('partial')
		expect(image.aiError).toMatch(/500/)
		expect(image.ai).toBeNull()

		const rerun = await api(web.baseUrl, `/api/images/${image.id}/process`, {
			method: 'POST',
			token,
			json: { stages: ['ai'] },
		})
		expect(rerun.status).toBe(202)
		const done = (await waitForTerminal(web.baseUrl, token, image.id)) as AiDetail
		expect(done.overallStatus).toBe('completed')
		expect(done.ai?.summary).toBe(defaultAnalysis.summary)
	})

	test('malformed model output is repaired once, then fails the stage', async () => {
		fake.enqueue('chat', { body: chatCompletionRaw('{"summary": "cut off') })
		const repaired = await uploadAndFinish()
		expect(repaired.aiStatus).toBe('completed')
		expect(repaired.ai?.inputTokens).toBe(2400)

		fake.reset()
		fake.enqueue(
			'chat',
			{ body: chatCompletionRaw('not json at all') },
			{ body: chatCompletionRaw('still not json') },
		)
		const failed = await uploadAndFinish()
		expect(failed.aiStatus).toBe('failed')
		expect(failed.aiError).toMatch(/format/i)
	})

	test('a provider that does not answer in time fails the stage naming the timeout', async () => {
		const slow = { delayMs: 5000, body: chatCompletion() }
		fake.enqueue('chat', slow, slow, slow)
		const image = await uploadAndFinish()
		expect(image.aiStatus).toBe('failed')
		expect(image.aiError).toMatch(/time|answer/i)
	})

	test('a refusal fails at once, without retries', async () => {
		fake.enqueue('chat', { body: chatCompletionRaw(null, { refusal: 'I cannot help with that.' }) })
		const image = await uploadAndFinish()
		expect(image.aiStatus).toBe('failed')
		expect(image.aiError).toMatch(/declined/i)
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})

	test('the moderation endpoint flags an image', async () => {
		fake.enqueue('moderations', { body: moderationBody({ violence: true }) })
		const image = await uploadAndFinish()
		expect(image.ai?.safety).toEqual({
			flagged: true,
			categories: ['violence'],
			source: 'moderation',
		})
		const list = await (await api(web.baseUrl, '/api/images?pageSize=100', { token })).json()
		const item = (list as { items: Array<{ id: string; safety: unknown }> }).items.find(
			(i) => i.id === image.id,
		)
		expect(item?.safety).toEqual({ flagged: true, categories: ['violence'] })
	})
})

describe('search and usage', () => {
	let mine: { token: string }
	let invoice: AiDetail
	let cat: AiDetail

	beforeAll(async () => {
		mine = await register(web.baseUrl)
		fake.enqueue('chat', {
			body: chatCompletion({
				summary: 'A scanned invoice from a hardware shop.',
				tags: ['document', 'invoice'],
				ocrText: 'INVOICE 4471\nHammer 2 x 12.50',
				safety: { flagged: false, categories: [] },
			}),
		})
		invoice = await uploadAndFinish('scan-0001.jpg', mine.token)
		fake.enqueue('chat', {
			body: chatCompletion({
				summary: 'A grey cat asleep on a sofa.',
				tags: ['cat', 'sofa'],
				ocrText: null,
				safety: { flagged: false, categories: [] },
			}),
		})
		cat = await uploadAndFinish('IMG_2001.jpg', mine.token)
	})

	const search = async (query: string) => {
		const response = await api(web.baseUrl, `/api/images?${query}`, { token: mine.token })
		expect(response.status).toBe(200)
		const body = (await response.json()) as { items: Array<{ id: string }>; total: number }
		return body.items.map((item) => item.id)
	}

	test('q finds an image by a word of its OCR text, summary, tag or file name', async () => {
		expect(await search('q=4471')).toEqual([invoice.id])
		expect(await search('q=hammer')).toEqual([invoice.id])
		expect(await search('q=asleep')).toEqual([cat.id])
		expect(await search('q=sofa')).toEqual([cat.id])
		expect(await search('q=IMG_2001')).toEqual([cat.id])
		expect(await search('q=zebra')).toEqual([])
	})

	test('tag filters by tag', async () => {
		expect(await search('tag=invoice')).toEqual([invoice.id])
		expect(await search('tag=Cat')).toEqual([cat.id])
		expect(await search('tag=cat&q=invoice')).toEqual([])
	})

	test('GET /api/usage totals the caller’s analyses', async () => {
		const response = await api(web.baseUrl, '/api/usage', { token: mine.token })
		expect(response.status).toBe(200)
		const usage = (await response.json()) as Record<string, unknown>
		expect(usage).toMatchObject({
			imagesAnalyzed: 2,
			inputTokens: 2400,
			outputTokens: 300,
			costUsd: 0.00144,
		})
		const future = await api(web.baseUrl, '/api/usage?from=2099-01-01&to=2099-01-31', {
			token: mine.token,
		})
		expect(await future.json()).toMatchObject({ imagesAnalyzed: 0, costUsd: 0 })
		await expectProblem(
			await api(web.baseUrl, '/api/usage?from=yesterday', { token: mine.token }),
			422,
		)
		await expectProblem(
			await api(web.baseUrl, '/api/usage?from=2099-01-01', { token: mine.token }),
			422,
		)
		await expectProblem(await api(web.baseUrl, '/api/usage'), 401)
	})
})
