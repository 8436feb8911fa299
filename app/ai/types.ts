import type { AiResult } from '#db/schema'

/** What a provider sees: the optimized copy, downscaled for cost, as JPEG. */
export type AnalysisInput = {
	image: Buffer
	contentType: 'image/jpeg'
	width: number
	height: number
	filename: string
}

/** Tags an analysis keeps, whichever provider made it. */
export const MAX_AI_TAGS = 15

/** What a provider returns; cost is computed from the tokens afterwards (pricing.ts). */
export type Analysis = Omit<AiResult, 'costUsd'>

export type AiProvider = {
	name: 'openai' | 'local'
	analyze(input: AnalysisInput): Promise<Analysis>
}

/** Vectors for texts, from an OpenAI-compatible `/v1/embeddings` (semantic search). */
export type Embedder = {
	/** The configured model and output size; stored with each vector, as others do not compare. */
	model: string
	dimensions: number
	/** One vector per text, in order; `inputTokens` as the provider billed them. */
	embed(texts: string[]): Promise<{ vectors: number[][]; model: string; inputTokens: number }>
}

/**
 * A failure that another attempt will not fix: a bad request, a content
 * policy refusal, output that stays unparseable after a repair attempt, or
 * retries used up. The message is shown to the user as `aiError`.
 */
export class AiAnalysisError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options)
		this.name = 'AiAnalysisError'
	}
}
