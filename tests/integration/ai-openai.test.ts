import { APIConnectionTimeoutError, type OpenAI } from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import {
	analysisJsonSchema,
	createOpenAiProvider,
	type OpenAiProviderOptions,
} from '#app/ai/openai.server'
import { AiAnalysisError, type AnalysisInput } from '#app/ai/types'
import {
	chatCompletion,
	chatCompletionRaw,
	defaultAnalysis,
	errorBody,
	FAKE_MODEL,
	moderationBody,
	startFakeOpenAi,
	type FakeOpenAi,
} from '#tests/support/fake-openai'
import { smallJpeg } from '#tests/support/images'

type ChatBody = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming
type ModerationBody = OpenAI.ModerationCreateParams

const API_KEY = 'sk-test-0123456789abcdef'

let fake: FakeOpenAi
let input: AnalysisInput
let dataUrl: string

beforeAll(async () => {
	fake = await startFakeOpenAi()
	const image = await smallJpeg(120, 90)
	input = { image, contentType: 'image/jpeg', width: 120, height: 90, filename: 'bike.jpg' }
	dataUrl = `data:image/jpeg;base64,${image.toString('base64')}`
})

afterEach(() => fake.reset())

afterAll(async () => {
	await fake?.stop()
})

const provider = (options: Partial<OpenAiProviderOptions> = {}) =>
	createOpenAiProvider({
		apiKey: API_KEY,
		baseUrl: fake.baseUrl,
		model: 'gpt-4.1-mini',
		imageDetail: 'low',
		moderationModel: null,
		maxAttempts: 3,
		timeoutMs: 2000,
		...options,
	})

const chatBodies = () => fake.requestsTo('chat').map((request) => request.body as ChatBody)
const moderationBodies = () =>
	fake.requestsTo('moderations').map((request) => request.body as ModerationBody)

/** The rejection of an analysis that must fail. */
async function failure(options: Partial<OpenAiProviderOptions> = {}): Promise<AiAnalysisError> {
	const error = await provider(options)
		.analyze(input)
		.then(
			() => null,
			(error: unknown) => error,
		)
	expect(error).toBeInstanceOf(AiAnalysisError)
	return error as AiAnalysisError
}

describe('openai provider: request and result', () => {
	test('sends the image as a data URL with the detail, the model and the JSON schema', async () => {
		await provider({ imageDetail: 'high' }).analyze(input)
		const [request] = fake.requestsTo('chat')
		expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`)
		const body = request!.body as ChatBody
		expect(body.model).toBe('gpt-4.1-mini')
		expect(body.response_format).toEqual({
			type: 'json_schema',
			json_schema: { name: 'image_analysis', strict: true, schema: analysisJsonSchema },
		})
		expect(body.messages.map((message) => message.role)).toEqual(['system', 'user'])
		const content = body.messages[1]!.content as OpenAI.Chat.ChatCompletionContentPart[]
		const image = content.find((part) => part.type === 'image_url')
		expect(image).toEqual({ type: 'image_url', image_url: { url: dataUrl, detail: 'high' } })
		expect(content.some((part) => part.type === 'text')).toBe(true)
	})

	test('the schema is strict: every property required, no extra properties', () => {
		expect(analysisJsonSchema.additionalProperties).toBe(false)
		expect([...analysisJsonSchema.required].sort()).toEqual(
			Object.keys(analysisJsonSchema.properties).sort(),
		)
		const safety = analysisJsonSchema.properties.safety
		expect(safety.additionalProperties).toBe(false)
		expect([...safety.required].sort()).toEqual(Object.keys(safety.properties).sort())
	})

	test('returns the parsed analysis with the answering model and its tokens', async () => {
		const result = await provider().analyze(input)
		expect(result).toEqual({
			summary: defaultAnalysis.summary,
			tags: defaultAnalysis.tags,
			ocrText: 'NO PARKING',
			safety: { flagged: false, categories: [], source: 'model' },
			model: FAKE_MODEL,
			inputTokens: 1200,
			outputTokens: 150,
		})
		// No moderation model configured: no moderation call.
		expect(fake.requestsTo('moderations')).toHaveLength(0)
	})

	test('normalises tags, OCR text and summary', async () => {
		const many = Array.from({ length: 20 }, (_, i) => `tag${i}`)
		fake.enqueue('chat', {
			body: chatCompletion({
				summary: '  A cat on a sofa.  \n',
				tags: [' Cat ', 'cat', '', '   ', 'SOFA', 'Sofa', ...many],
				ocrText: '',
				safety: { flagged: false, categories: [] },
			}),
		})
		const result = await provider().analyze(input)
		expect(result.summary).toBe('A cat on a sofa.')
		expect(result.tags).toEqual(['cat', 'sofa', ...many.slice(0, 13)])
		expect(result.ocrText).toBeNull()
	})

	test('falls back to the configured model and zero tokens when the server omits them', async () => {
		fake.enqueue('chat', { body: chatCompletion(defaultAnalysis, { model: '', usage: null }) })
		const result = await provider().analyze(input)
		expect(result).toMatchObject({ model: 'gpt-4.1-mini', inputTokens: 0, outputTokens: 0 })
	})
})

describe('openai provider: retries (by the SDK)', () => {
	test('429 with Retry-After: 1, then success: waits and returns the result', async () => {
		fake.enqueue('chat', {
			status: 429,
			headers: { 'retry-after': '1' },
			body: errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'),
		})
		const started = Date.now()
		const result = await provider().analyze(input)
		expect(result.summary).toBe(defaultAnalysis.summary)
		expect(fake.requestsTo('chat')).toHaveLength(2)
		expect(Date.now() - started).toBeGreaterThanOrEqual(950)
	})

	test('429 on every attempt: AiAnalysisError after maxAttempts requests', async () => {
		const rateLimited = {
			status: 429,
			headers: { 'retry-after-ms': '10' },
			body: errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'),
		}
		fake.enqueue('chat', rateLimited, rateLimited, rateLimited, rateLimited)
		const error = await failure()
		expect(error.message).toBe(
			'The AI provider is rate limiting requests (429) after 3 attempts; try again later.',
		)
		expect(fake.requestsTo('chat')).toHaveLength(3)
	})

	test('500 on every attempt: AiAnalysisError after exactly maxAttempts requests', async () => {
		const broken = { status: 500, body: errorBody('The server had an error', 'server_error') }
		fake.enqueue('chat', broken, broken, broken, broken, broken)
		const error = await failure()
		expect(error.message).toBe('The AI provider failed with 500 after 3 attempts; try again later.')
		expect(error.cause).toBeDefined()
		expect(fake.requestsTo('chat')).toHaveLength(3)
	})

	test('no answer within timeoutMs on every attempt: AiAnalysisError naming the timeout', async () => {
		const slow = { delayMs: 1500, body: chatCompletion() }
		fake.enqueue('chat', slow, slow, slow, slow)
		const error = await failure({ timeoutMs: 200 })
		expect(error.message).toBe('The AI provider did not answer within 200 ms (3 attempts).')
		expect(error.cause).toBeInstanceOf(APIConnectionTimeoutError)
		expect(fake.requestsTo('chat')).toHaveLength(3)
	})
})

describe('openai provider: permanent failures', () => {
	test('400: AiAnalysisError at once, with the provider’s reason', async () => {
		fake.enqueue('chat', {
			status: 400,
			body: errorBody('Invalid image data', 'invalid_request_error', 'invalid_image'),
		})
		const error = await failure()
		expect(error.message).toBe('The AI provider rejected the request (400): Invalid image data.')
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})

	test('401: AiAnalysisError that never shows the API key', async () => {
		fake.enqueue('chat', {
			status: 401,
			body: errorBody(`Incorrect API key provided: ${API_KEY}.`, 'invalid_request_error'),
		})
		const error = await failure()
		expect(error.message).toContain('(401)')
		expect(error.message).not.toContain(API_KEY)
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})

	test('404 (unknown model): the provider’s reason, key-like text redacted', async () => {
		fake.enqueue('chat', {
			status: 404,
			body: errorBody(`The model gpt-9 does not exist (key ${API_KEY}).`, 'invalid_request_error'),
		})
		const error = await failure()
		expect(error.message).toMatch(/^The AI provider does not know this model or endpoint \(404\)/)
		expect(error.message).toContain('gpt-9')
		expect(error.message).not.toContain(API_KEY)
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})

	test('refusal: AiAnalysisError with the model’s words, no retry', async () => {
		fake.enqueue('chat', {
			body: chatCompletionRaw(null, { refusal: 'I can’t help with that.' }),
		})
		const error = await failure()
		expect(error.message).toBe('The model declined to analyse this image: I can’t help with that.')
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})

	test('finish_reason content_filter: AiAnalysisError, no retry', async () => {
		fake.enqueue('chat', { body: chatCompletionRaw(null, { finishReason: 'content_filter' }) })
		const error = await failure()
		expect(error.message).toMatch(/^The model declined to analyse this image/)
		expect(fake.requestsTo('chat')).toHaveLength(1)
	})
})

describe('openai provider: repairing bad output', () => {
	test('malformed JSON, then a valid repair: the result, with tokens of both requests', async () => {
		const bad = '{"summary": "A red bicycle", "tags": ["bicycle"'
		fake.enqueue(
			'chat',
			{ body: chatCompletionRaw(bad) },
			{
				body: chatCompletion(defaultAnalysis, {
					usage: { prompt_tokens: 1300, completion_tokens: 60 },
				}),
			},
		)
		const result = await provider().analyze(input)
		expect(result).toMatchObject({
			summary: defaultAnalysis.summary,
			inputTokens: 2500,
			outputTokens: 210,
		})
		const [first, repair] = chatBodies()
		expect(chatBodies()).toHaveLength(2)
		// The repair request continues the conversation: the bad output, then the ask.
		expect(repair!.messages.slice(0, 2)).toEqual(first!.messages)
		expect(repair!.messages[2]).toEqual({ role: 'assistant', content: bad })
		expect(repair!.messages[3]).toMatchObject({ role: 'user' })
		expect(repair!.response_format).toEqual(first!.response_format)
	})

	test('JSON that breaks the schema is repaired too', async () => {
		fake.enqueue(
			'chat',
			{ body: chatCompletion({ summary: 'A bicycle', tags: 'bicycle, street' }) },
			{ body: chatCompletion() },
		)
		const result = await provider().analyze(input)
		expect(result.tags).toEqual(defaultAnalysis.tags)
		expect(fake.requestsTo('chat')).toHaveLength(2)
	})

	test('malformed twice: AiAnalysisError after two requests', async () => {
		fake.enqueue(
			'chat',
			{ body: chatCompletionRaw('Sure! Here is a description of the image.') },
			{ body: chatCompletionRaw('{"summary": ') },
		)
		const error = await failure()
		expect(error.message).toBe('The model returned output that does not match the expected format.')
		expect(fake.requestsTo('chat')).toHaveLength(2)
	})
})

describe('openai provider: moderation', () => {
	const moderated = { moderationModel: 'omni-moderation-latest' }
	const modelSaysViolent = {
		body: chatCompletion({
			...defaultAnalysis,
			safety: { flagged: true, categories: ['Violence', ' violence '] },
		}),
	}

	test('flagged by the moderation endpoint: its verdict, and it saw the image', async () => {
		fake.enqueue('moderations', {
			body: moderationBody({ violence: true, 'violence/graphic': false }),
		})
		const result = await provider(moderated).analyze(input)
		expect(result.safety).toEqual({
			flagged: true,
			categories: ['violence'],
			source: 'moderation',
		})
		const [body] = moderationBodies()
		expect(body).toEqual({
			model: 'omni-moderation-latest',
			input: [{ type: 'image_url', image_url: { url: dataUrl } }],
		})
		// Moderation is free and not counted.
		expect(result).toMatchObject({ inputTokens: 1200, outputTokens: 150 })
	})

	test('the moderation verdict wins over the model’s own assessment', async () => {
		fake.enqueue('chat', modelSaysViolent)
		const result = await provider(moderated).analyze(input)
		expect(result.safety).toEqual({ flagged: false, categories: [], source: 'moderation' })
	})

	test('moderation 404 (no such endpoint): the model’s own assessment', async () => {
		fake.enqueue('chat', modelSaysViolent)
		fake.enqueue('moderations', { status: 404, body: errorBody('Not found') })
		const result = await provider(moderated).analyze(input)
		expect(result.safety).toEqual({ flagged: true, categories: ['violence'], source: 'model' })
		expect(fake.requestsTo('moderations')).toHaveLength(1)
	})

	test('moderation 500 after retries: the model’s own assessment, the analysis succeeds', async () => {
		const broken = { status: 500, headers: { 'retry-after-ms': '10' }, body: errorBody('boom') }
		fake.enqueue('chat', modelSaysViolent)
		fake.enqueue('moderations', broken, broken, broken)
		const result = await provider(moderated).analyze(input)
		expect(result.safety).toEqual({ flagged: true, categories: ['violence'], source: 'model' })
		expect(fake.requestsTo('moderations')).toHaveLength(3)
	})

	test('moderation runs at the same time as the chat call', async () => {
		fake.enqueue('chat', { delayMs: 400, body: chatCompletion() })
		fake.enqueue('moderations', { delayMs: 400, body: moderationBody() })
		await provider(moderated).analyze(input)
		const [chat] = fake.requestsTo('chat')
		const [moderation] = fake.requestsTo('moderations')
		// One after the other, the second would arrive at least 400 ms after the first.
		expect(Math.abs(chat!.receivedAt - moderation!.receivedAt)).toBeLessThan(300)
	})
})
