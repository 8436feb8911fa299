import { config } from '#app/config.server'
import { createLocalProvider } from './local.server'
import { createOpenAiEmbedder, createOpenAiProvider } from './openai.server'
import type { AiProvider, Embedder } from './types'

let provider: AiProvider | undefined

/** The configured provider, created on first use (only the worker needs it). */
export function getAiProvider(): AiProvider | undefined {
	if (config.ai.provider === 'none') return undefined
	provider ??=
		config.ai.provider === 'local'
			? createLocalProvider()
			: createOpenAiProvider({
					...config.ai.openai,
					maxAttempts: config.ai.maxAttempts,
					timeoutMs: config.ai.timeoutMs,
				})
	return provider
}

let embedder: Embedder | undefined
let queryEmbedder: Embedder | undefined

// A search waits for its query's vector, so it gets a short leash: one retry,
// at most 5 s an attempt; the search falls back to words when that fails.
const QUERY_MAX_ATTEMPTS = 2
const QUERY_TIMEOUT_MS = 5_000

/**
 * The embeddings model (semantic search), or undefined when it is off:
 * AI_PROVIDER is not `openai` (`local` and `none` have none) or
 * OPENAI_EMBEDDING_MODEL is `none`. `forQuery`: the web's short-leash client.
 */
export function getEmbedder({ forQuery = false } = {}): Embedder | undefined {
	const embeddings = config.ai.embeddings
	if (!embeddings) return undefined
	const create = (maxAttempts: number, timeoutMs: number) =>
		createOpenAiEmbedder({
			apiKey: config.ai.openai.apiKey,
			baseUrl: config.ai.openai.baseUrl,
			...embeddings,
			maxAttempts,
			timeoutMs,
		})
	if (forQuery) {
		return (queryEmbedder ??= create(
			Math.min(QUERY_MAX_ATTEMPTS, config.ai.maxAttempts),
			Math.min(QUERY_TIMEOUT_MS, config.ai.timeoutMs),
		))
	}
	return (embedder ??= create(config.ai.maxAttempts, config.ai.timeoutMs))
}
