import OpenAI, {
	APIConnectionError,
	APIConnectionTimeoutError,
	APIError,
	AuthenticationError,
	BadRequestError,
	NotFoundError,
	PermissionDeniedError,
	RateLimitError,
	UnprocessableEntityError,
} from 'openai'
import { z } from 'zod'
import { log } from '#app/log.server'
import {
	AiAnalysisError,
	type AiProvider,
	type Analysis,
	type AnalysisInput,
	type Embedder,
	MAX_AI_TAGS,
} from './types'

export type OpenAiProviderOptions = {
	apiKey: string
	baseUrl?: string
	model: string
	imageDetail: 'low' | 'high' | 'auto'
	/** null: no moderation call; the model's own assessment is kept. */
	moderationModel: string | null
	maxAttempts: number
	timeoutMs: number
}

/** Structured Outputs schema: strict mode wants every property required and no extras. */
export const analysisJsonSchema = {
	type: 'object',
	additionalProperties: false,
	required: ['summary', 'tags', 'ocrText', 'safety'],
	properties: {
		summary: {
			type: 'string',
			description: 'One or two sentences describing what the image shows.',
		},
		tags: {
			type: 'array',
			maxItems: MAX_AI_TAGS,
			description: `Up to ${MAX_AI_TAGS} short lowercase keywords for search: subjects, objects, scene, setting, colours, activities, style.`,
			items: { type: 'string' },
		},
		ocrText: {
			type: ['string', 'null'],
			description: 'All legible text visible in the image, verbatim, or null if there is none.',
		},
		safety: {
			type: 'object',
			additionalProperties: false,
			required: ['flagged', 'categories'],
			properties: {
				flagged: {
					type: 'boolean',
					description: 'True if the image contains sensitive content.',
				},
				categories: {
					type: 'array',
					description:
						'Which kinds of sensitive content, e.g. sexual, violence, self-harm, hate, harassment, illicit; empty if none.',
					items: { type: 'string' },
				},
			},
		},
	},
} as const

// Lenient on purpose (extra keys, too many tags): normalise() tidies what it can,
// so only output we cannot use costs a repair request.
const analysisOutput = z.object({
	summary: z.string(),
	tags: z.array(z.string()),
	ocrText: z.string().nullable(),
	safety: z.object({ flagged: z.boolean(), categories: z.array(z.string()) }),
})
type AnalysisOutput = z.infer<typeof analysisOutput>

const SYSTEM_PROMPT = [
	'You describe images for the search index of a personal photo library.',
	'Reply with JSON only, matching the given schema:',
	'- summary: one or two plain sentences describing what the image shows.',
	`- tags: up to ${MAX_AI_TAGS} short lowercase keywords (subjects, objects, scene, setting, colours, activities, style) someone might search for.`,
	'- ocrText: all legible text visible in the image, verbatim, keeping line breaks; null if there is no text.',
	'- safety: flagged is true if the image contains sexual content, violence or gore, self-harm, hate symbols, harassment or illicit activity; categories names those kinds (e.g. "sexual", "violence", "self-harm", "hate", "harassment", "illicit"), empty if none.',
].join('\n')

const REPAIR_PROMPT =
	'Your previous reply was not valid JSON matching the required schema. Reply again with only a JSON object matching the schema exactly, and nothing else.'

// Enough of the bad output for the model to see what went wrong, not a runaway reply.
const MAX_BAD_OUTPUT_CHARS = 8000

const INVALID_OUTPUT_MESSAGE = 'The model returned output that does not match the expected format.'

type Completion = OpenAI.Chat.Completions.ChatCompletion
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam
type Safety = Analysis['safety']
type Usage = { inputTokens: number; outputTokens: number }

export function createOpenAiProvider(options: OpenAiProviderOptions): AiProvider {
	// Our one retry mechanism for AI calls: the SDK retries connection errors,
	// timeouts, 408, 409, 429 and 5xx with exponential backoff and jitter
	// (0.5 s doubling, at most 8 s) and honours Retry-After / retry-after-ms
	// (uncapped in SDK 6). `timeout` applies per attempt, until response headers.
	// Whatever still fails is final (AiAnalysisError); the job does not retry it.
	const client = new OpenAI({
		apiKey: options.apiKey,
		baseURL: options.baseUrl,
		maxRetries: Math.max(0, options.maxAttempts - 1),
		timeout: options.timeoutMs,
	})
	return {
		name: 'openai',
		async analyze(input) {
			const dataUrl = `data:${input.contentType};base64,${input.image.toString('base64')}`
			// Started first and never rejects, so it runs while the model thinks;
			// aborted when the chat call fails, as its answer is no longer needed.
			const cancel = new AbortController()
			const moderation = options.moderationModel
				? moderate(client, options.moderationModel, dataUrl, cancel.signal)
				: Promise.resolve(null)
			const { output, model, usage } = await describe(client, options, input, dataUrl).catch(
				(error: unknown) => {
					cancel.abort()
					throw error
				},
			)
			const normalised = normalise(output)
			const moderated = await moderation
			return {
				...normalised,
				safety: moderated ?? { ...normalised.safety, source: 'model' },
				model,
				...usage,
			}
		},
	}
}

export type OpenAiEmbedderOptions = Pick<
	OpenAiProviderOptions,
	'apiKey' | 'baseUrl' | 'maxAttempts' | 'timeoutMs'
> & { model: string; dimensions: number }

/**
 * Embeddings through the same SDK retries as the analysis. Failures end as
 * AiAnalysisError with a readable message, like the analysis's.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
	const client = new OpenAI({
		apiKey: options.apiKey,
		baseURL: options.baseUrl,
		maxRetries: Math.max(0, options.maxAttempts - 1),
		timeout: options.timeoutMs,
	})
	// Only the text-embedding-3 family takes `dimensions`; others answer their own size.
	const sendsDimensions = options.model.startsWith('text-embedding-3')
	return {
		model: options.model,
		dimensions: options.dimensions,
		async embed(texts) {
			try {
				const response = await client.embeddings.create({
					model: options.model,
					input: texts,
					encoding_format: 'float',
					...(sendsDimensions && { dimensions: options.dimensions }),
				})
				const vectors = response.data
					.toSorted((a, b) => a.index - b.index)
					.map((item) => item.embedding)
				if (
					vectors.length !== texts.length ||
					vectors.some((v) => v.length !== options.dimensions)
				) {
					throw new AiAnalysisError(
						`The embedding model answered vectors of another size than OPENAI_EMBEDDING_DIMENSIONS (${options.dimensions}).`,
					)
				}
				return {
					vectors,
					model: response.model || options.model,
					inputTokens: response.usage?.prompt_tokens ?? 0,
				}
			} catch (error) {
				throw toAnalysisError(error, options)
			}
		},
	}
}

/** The chat call, plus one repair request when the output is unusable. */
async function describe(
	client: OpenAI,
	options: OpenAiProviderOptions,
	input: AnalysisInput,
	dataUrl: string,
) {
	const messages: Message[] = [
		{ role: 'system', content: SYSTEM_PROMPT },
		{
			role: 'user',
			content: [
				{
					type: 'text',
					text: `Analyse this image (file name: ${JSON.stringify(input.filename)}, ${input.width}×${input.height}).`,
				},
				{ type: 'image_url', image_url: { url: dataUrl, detail: options.imageDetail } },
			],
		},
	]
	const first = await complete(client, options, messages)
	const usage = usageOf(first)
	const firstReply = replyOf(first)
	const firstOutput = parseOutput(firstReply)
	if (firstOutput) return { output: firstOutput, model: first.model || options.model, usage }

	const repair = await complete(client, options, [
		...messages,
		{ role: 'assistant', content: (firstReply ?? '').slice(0, MAX_BAD_OUTPUT_CHARS) },
		{ role: 'user', content: REPAIR_PROMPT },
	])
	const repairUsage = usageOf(repair)
	const repairOutput = parseOutput(replyOf(repair))
	if (!repairOutput) throw new AiAnalysisError(INVALID_OUTPUT_MESSAGE)
	return {
		output: repairOutput,
		model: repair.model || first.model || options.model,
		usage: {
			inputTokens: usage.inputTokens + repairUsage.inputTokens,
			outputTokens: usage.outputTokens + repairUsage.outputTokens,
		},
	}
}

async function complete(
	client: OpenAI,
	options: OpenAiProviderOptions,
	messages: Message[],
): Promise<Completion> {
	try {
		return await client.chat.completions.create({
			model: options.model,
			messages,
			response_format: {
				type: 'json_schema',
				json_schema: { name: 'image_analysis', strict: true, schema: analysisJsonSchema },
			},
		})
	} catch (error) {
		throw toAnalysisError(error, options)
	}
}

/** The reply text; refusals and content filtering are final, so they throw. */
function replyOf(completion: Completion): string | null {
	const choice = completion.choices[0]
	const refusal = choice?.message.refusal
	if (refusal) throw new AiAnalysisError(`The model declined to analyse this image: ${refusal}`)
	if (choice?.finish_reason === 'content_filter') {
		throw new AiAnalysisError(
			"The model declined to analyse this image: blocked by the provider's content filter.",
		)
	}
	return choice?.message.content ?? null
}

function usageOf(completion: Completion): Usage {
	// Some compatible servers omit usage; they are usually free anyway.
	return {
		inputTokens: completion.usage?.prompt_tokens ?? 0,
		outputTokens: completion.usage?.completion_tokens ?? 0,
	}
}

/** The validated output, or null when it is not JSON or does not match the schema. */
function parseOutput(reply: string | null): AnalysisOutput | null {
	if (!reply) return null
	// Servers without structured outputs often wrap JSON in a Markdown fence.
	const text = reply
		.trim()
		.replace(/^```(?:json)?\s*/i, '')
		.replace(/\s*```$/, '')
	let json: unknown
	try {
		json = JSON.parse(text)
	} catch {
		return null
	}
	const result = analysisOutput.safeParse(json)
	return result.success ? result.data : null
}

function normalise(output: AnalysisOutput) {
	const summary = output.summary.trim()
	return {
		summary: summary || null,
		tags: cleanList(output.tags).slice(0, MAX_AI_TAGS),
		ocrText: output.ocrText?.trim() || null,
		safety: { flagged: output.safety.flagged, categories: cleanList(output.safety.categories) },
	}
}

/** Lowercased, trimmed, without empties or duplicates, in first-seen order. */
function cleanList(values: string[]): string[] {
	const cleaned = values.map((value) => value.trim().toLowerCase()).filter(Boolean)
	return [...new Set(cleaned)]
}

/**
 * The moderation endpoint's verdict, or null to fall back to the model's own
 * assessment. Never rejects: moderation is a bonus, not a reason to fail.
 */
async function moderate(
	client: OpenAI,
	model: string,
	dataUrl: string,
	signal: AbortSignal,
): Promise<Safety | null> {
	try {
		const response = await client.moderations.create(
			{ model, input: [{ type: 'image_url', image_url: { url: dataUrl } }] },
			{ signal },
		)
		if (response.results.length === 0) {
			log.warn({ model }, 'Moderation returned no results; using the model’s own assessment')
			return null
		}
		const categories = new Set<string>()
		for (const result of response.results) {
			for (const [name, value] of Object.entries(result.categories)) {
				if (value === true) categories.add(name)
			}
		}
		return {
			flagged: response.results.some((result) => result.flagged),
			categories: [...categories],
			source: 'moderation',
		}
	} catch (error) {
		// Ollama, vLLM and most other compatible servers have no moderation endpoint.
		const unsupported =
			error instanceof NotFoundError ||
			(error instanceof APIError && [400, 404, 405, 501].includes(error.status ?? 0))
		if (!unsupported && !signal.aborted) {
			log.warn(
				{ err: error, model },
				'Moderation request failed; using the model’s own safety assessment',
			)
		}
		return null
	}
}

/** A readable, final error for the user; the SDK error stays as `cause` for the logs. */
function toAnalysisError(
	error: unknown,
	options: Pick<OpenAiProviderOptions, 'maxAttempts' | 'apiKey' | 'timeoutMs'>,
): unknown {
	if (error instanceof AiAnalysisError || !(error instanceof APIError)) return error
	const attempts = `${options.maxAttempts} attempt${options.maxAttempts === 1 ? '' : 's'}`
	const detail = providerDetail(error, options.apiKey)
	const message = (() => {
		// The timeout error is a connection error, so it must be checked first.
		if (error instanceof APIConnectionTimeoutError) {
			return `The AI provider did not answer within ${formatMs(options.timeoutMs)} (${attempts}).`
		}
		if (error instanceof APIConnectionError) {
			return `Could not reach the AI provider (${attempts}); check OPENAI_BASE_URL.`
		}
		if (error instanceof AuthenticationError) {
			return 'The AI provider rejected the API key (401); check OPENAI_API_KEY.'
		}
		if (error instanceof PermissionDeniedError) {
			return 'The AI provider denied access (403); check the API key’s permissions and OPENAI_MODEL.'
		}
		if (error instanceof BadRequestError) {
			return `The AI provider rejected the request (400)${detail}`
		}
		if (error instanceof NotFoundError) {
			return `The AI provider does not know this model or endpoint (404)${detail}`
		}
		if (error instanceof UnprocessableEntityError) {
			return `The AI provider could not process the request (422)${detail}`
		}
		if (error instanceof RateLimitError) {
			return `The AI provider is rate limiting requests (429) after ${attempts}; try again later.`
		}
		if ((error.status ?? 0) >= 500) {
			return `The AI provider failed with ${error.status} after ${attempts}; try again later.`
		}
		return `The AI provider answered ${error.status ?? 'an error'}${detail}`
	})()
	return new AiAnalysisError(message, { cause: error })
}

/** The provider's own explanation, shortened and scrubbed of anything key-like. */
function providerDetail(error: APIError, apiKey: string): string {
	const body = error.error as { message?: unknown } | undefined
	if (typeof body?.message !== 'string' || !body.message.trim()) return '.'
	let text = body.message.trim()
	if (apiKey.length >= 8) text = text.split(apiKey).join('[redacted]')
	text = text.replace(/\bsk-[\w*.-]+/g, '[redacted]')
	if (text.length > 200) text = `${text.slice(0, 199)}…`
	return `: ${text.replace(/\.$/, '')}.`
}

function formatMs(ms: number): string {
	return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`
}
