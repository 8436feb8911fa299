import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'

// A real HTTP server speaking just enough of the OpenAI API for the provider
// tests: chat completions, moderations and embeddings, each with a scriptable
// queue of answers and a sensible default, recording every request it receives.

export type FakeEndpoint = 'chat' | 'moderations' | 'embeddings'

export type FakeResponse = {
	status?: number
	headers?: Record<string, string>
	body?: unknown
	/** Wait this long before answering (headers included), e.g. to outlast a timeout. */
	delayMs?: number
	/**
	 * Only a request whose body contains this text takes the answer (e.g. a file
	 * name, which the chat request carries): other work on a shared server
	 * cannot take it first.
	 */
	match?: string
}

export type RecordedRequest = {
	endpoint: FakeEndpoint | null
	method: string
	path: string
	headers: IncomingHttpHeaders
	/** Parsed JSON (the raw text if it is not JSON). */
	body: unknown
	receivedAt: number
}

export type FakeOpenAi = {
	/** Pass as the client's base URL; ends with /v1. */
	baseUrl: string
	requests: RecordedRequest[]
	/** Queue answers for the next requests to an endpoint; the default follows once they run out. */
	enqueue(endpoint: FakeEndpoint, ...responses: FakeResponse[]): void
	/** Recorded requests to one endpoint. */
	requestsTo(endpoint: FakeEndpoint): RecordedRequest[]
	/** The most requests to an endpoint that were ever in flight at once. */
	maxInFlight(endpoint: FakeEndpoint): number
	/** Forget queued answers and recorded requests. */
	reset(): void
	stop(): Promise<void>
}

export const FAKE_MODEL = 'gpt-4.1-mini-2025-04-14'
export const FAKE_USAGE = { prompt_tokens: 1200, completion_tokens: 150 }

export const defaultAnalysis = {
	summary: 'A red bicycle leaning against a brick wall on a sunny street.',
	tags: ['bicycle', 'street', 'brick wall', 'red'],
	ocrText: 'NO PARKING',
	safety: { flagged: false, categories: [] as string[] },
}

type CompletionOptions = {
	model?: string
	usage?: { prompt_tokens: number; completion_tokens: number } | null
	finishReason?: 'stop' | 'length' | 'content_filter'
	refusal?: string | null
}

/** A chat completion whose message content is `content`, verbatim (valid JSON or not). */
export function chatCompletionRaw(content: string | null, options: CompletionOptions = {}) {
	const usage = options.usage === undefined ? FAKE_USAGE : options.usage
	return {
		id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: options.model ?? FAKE_MODEL,
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content, refusal: options.refusal ?? null },
				logprobs: null,
				finish_reason: options.finishReason ?? 'stop',
			},
		],
		...(usage && {
			usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
		}),
	}
}

/** A chat completion whose content is `analysis` as JSON. */
export function chatCompletion(analysis: object = defaultAnalysis, options?: CompletionOptions) {
	return chatCompletionRaw(JSON.stringify(analysis), options)
}

const moderationCategoryNames = [
	'harassment',
	'harassment/threatening',
	'hate',
	'hate/threatening',
	'illicit',
	'illicit/violent',
	'self-harm',
	'self-harm/instructions',
	'self-harm/intent',
	'sexual',
	'sexual/minors',
	'violence',
	'violence/graphic',
]

/** A moderation response; every category not given is false, flagged if any is true. */
export function moderationBody(categories: Record<string, boolean> = {}, flagged?: boolean) {
	const all = Object.fromEntries(moderationCategoryNames.map((name) => [name, false]))
	Object.assign(all, categories)
	return {
		id: `modr-${Math.random().toString(36).slice(2)}`,
		model: 'omni-moderation-latest',
		results: [
			{
				flagged: flagged ?? Object.values(all).some(Boolean),
				categories: all,
				category_scores: Object.fromEntries(
					Object.entries(all).map(([name, value]) => [name, value ? 0.9 : 0.001]),
				),
				category_applied_input_types: Object.fromEntries(
					Object.keys(all).map((name) => [name, ['image']]),
				),
			},
		],
	}
}

/** An OpenAI-style error body. */
export function errorBody(
	message: string,
	type = 'invalid_request_error',
	code: string | null = null,
) {
	return { error: { message, type, param: null, code } }
}

/**
 * Related words share a concept: texts naming the same concept point the same
 * way, so "receipt" is near "invoice from the hardware store" and far from a
 * bicycle. Every word also adds a small direction of its own (from its hash),
 * so different texts never embed identically and unrelated ones are near 0.
 */
export const embeddingConcepts: string[][] = [
	['receipt', 'invoice', 'bill', 'purchase', 'paid', 'shop', 'store', 'hardware', 'total'],
	['bicycle', 'bike', 'cycling', 'cyclist', 'wheel'],
	['beach', 'sea', 'ocean', 'shore', 'sand', 'waves', 'coast'],
	['dog', 'puppy', 'pet', 'hound'],
	['mountain', 'hiking', 'peak', 'summit', 'alpine'],
	['cat', 'kitten', 'feline'],
]

const WORD_WEIGHT = 0.3

/** The fake's deterministic embedding of a text: unit length, `dimensions` long. */
export function fakeEmbedding(text: string, dimensions = 1536): number[] {
	const vector = new Array<number>(dimensions).fill(0)
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
	embeddingConcepts.forEach((concept, index) => {
		if (words.some((word) => concept.includes(word))) vector[index % dimensions]! += 1
	})
	const reserved = Math.min(embeddingConcepts.length, dimensions - 1)
	for (const word of new Set(words)) {
		const hash = createHash('sha256').update(word).digest()
		const slot = reserved + (hash.readUInt32BE(0) % (dimensions - reserved))
		vector[slot]! += hash[4]! & 1 ? WORD_WEIGHT : -WORD_WEIGHT
	}
	const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)) || 1
	return vector.map((x) => x / norm)
}

/** An embeddings response for a request body, as OpenAI answers it (usage: one token a word). */
export function embeddingsBody(request: unknown) {
	const { input, model, dimensions } = (request ?? {}) as {
		input?: string | string[]
		model?: string
		dimensions?: number
	}
	const texts = typeof input === 'string' ? [input] : (input ?? [])
	const tokens = texts.reduce((sum, text) => sum + (text.match(/\S+/g)?.length ?? 0), 0)
	return {
		object: 'list',
		data: texts.map((text, index) => ({
			object: 'embedding',
			index,
			embedding: fakeEmbedding(text, dimensions),
		})),
		model: model ?? 'text-embedding-3-small',
		usage: { prompt_tokens: tokens, total_tokens: tokens },
	}
}

const defaults: Record<FakeEndpoint, (request: unknown) => FakeResponse> = {
	chat: () => ({ body: chatCompletion() }),
	moderations: () => ({ body: moderationBody() }),
	embeddings: (request) => ({ body: embeddingsBody(request) }),
}

const routes: Record<string, FakeEndpoint> = {
	'/v1/chat/completions': 'chat',
	'/v1/moderations': 'moderations',
	'/v1/embeddings': 'embeddings',
}

/** Removes and returns the first queued answer meant for a request with this body. */
function takeScripted(queue: FakeResponse[], requestText: string): FakeResponse | undefined {
	const index = queue.findIndex(
		(response) => response.match === undefined || requestText.includes(response.match),
	)
	return index === -1 ? undefined : queue.splice(index, 1)[0]
}

export async function startFakeOpenAi({ port = 0 } = {}): Promise<FakeOpenAi> {
	const queues: Record<FakeEndpoint, FakeResponse[]> = { chat: [], moderations: [], embeddings: [] }
	const requests: RecordedRequest[] = []
	const inFlight: Record<FakeEndpoint, number> = { chat: 0, moderations: 0, embeddings: 0 }
	const peak: Record<FakeEndpoint, number> = { chat: 0, moderations: 0, embeddings: 0 }

	const server = http.createServer(async (req, res) => {
		const chunks: Buffer[] = []
		for await (const chunk of req) chunks.push(chunk as Buffer)
		const text = Buffer.concat(chunks).toString('utf8')
		const path = (req.url ?? '/').split('?')[0]!
		const endpoint = req.method === 'POST' ? (routes[path] ?? null) : null
		let body: unknown = text
		try {
			body = text ? JSON.parse(text) : null
		} catch {
			// Keep the raw text; a test may want to see it.
		}
		requests.push({
			endpoint,
			method: req.method ?? '',
			path,
			headers: req.headers,
			body,
			receivedAt: Date.now(),
		})
		// Lets a test in another process (Playwright) script the next answers.
		if (req.method === 'POST' && path === '/__control/enqueue') {
			const { endpoint: target, responses } = body as {
				endpoint: FakeEndpoint
				responses: FakeResponse[]
			}
			queues[target].push(...responses)
			return send(res, { body: { queued: responses.length } })
		}
		if (!endpoint) {
			return send(res, { status: 404, body: errorBody(`Unknown path ${path}`) })
		}
		inFlight[endpoint]++
		peak[endpoint] = Math.max(peak[endpoint], inFlight[endpoint])
		res.on('close', () => inFlight[endpoint]--)
		const response = takeScripted(queues[endpoint], text) ?? defaults[endpoint](body)
		if (!response.delayMs) return send(res, response)
		// A client that gave up (timeout) closes the socket; stop waiting then.
		const timer = setTimeout(() => send(res, response), response.delayMs)
		res.on('close', () => clearTimeout(timer))
	})

	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
	const address = server.address() as AddressInfo

	return {
		baseUrl: `http://127.0.0.1:${address.port}/v1`,
		requests,
		enqueue(endpoint, ...responses) {
			queues[endpoint].push(...responses)
		},
		requestsTo(endpoint) {
			return requests.filter((request) => request.endpoint === endpoint)
		},
		maxInFlight(endpoint) {
			return peak[endpoint]
		},
		reset() {
			peak.chat = peak.moderations = peak.embeddings = 0
			queues.chat.length = 0
			queues.moderations.length = 0
			queues.embeddings.length = 0
			requests.length = 0
		},
		stop() {
			server.closeAllConnections()
			return new Promise((resolve, reject) =>
				server.close((error) => (error ? reject(error) : resolve())),
			)
		},
	}
}

function send(res: ServerResponse, response: FakeResponse) {
	if (res.destroyed) return
	const payload = JSON.stringify(response.body ?? null)
	res.writeHead(response.status ?? 200, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(payload),
		'x-request-id': `req_${Math.random().toString(36).slice(2)}`,
		...response.headers,
	})
	res.end(payload)
}
