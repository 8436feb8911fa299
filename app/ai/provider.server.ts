import { config } from '#app/config.server'
import { createLocalProvider } from './local.server'
import { createOpenAiProvider } from './openai.server'
import type { AiProvider } from './types'

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
