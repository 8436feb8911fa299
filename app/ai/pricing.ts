/** USD per 1M tokens, from OpenAI's published prices; override or extend with AI_PRICES. */
export const defaultPrices: Record<string, { input: number; output: number }> = {
	'gpt-4.1': { input: 2.0, output: 8.0 },
	'gpt-4.1-mini': { input: 0.4, output: 1.6 },
	'gpt-4.1-nano': { input: 0.1, output: 0.4 },
	'gpt-4o': { input: 2.5, output: 10.0 },
	'gpt-4o-mini': { input: 0.15, output: 0.6 },
	'gpt-5': { input: 1.25, output: 10.0 },
	'gpt-5-mini': { input: 0.25, output: 2.0 },
	'gpt-5-nano': { input: 0.05, output: 0.4 },
	// Embeddings bill input tokens only.
	'text-embedding-3-small': { input: 0.02, output: 0 },
	'text-embedding-3-large': { input: 0.13, output: 0 },
	'text-embedding-ada-002': { input: 0.1, output: 0 },
}

type Prices = Record<string, { input: number; output: number }>

/**
 * Cost of one analysis. A dated model name ("gpt-4.1-mini-2025-04-14") uses
 * its base model's price; an unknown model (a local server) costs 0.
 */
export function costUsd(
	model: string,
	inputTokens: number,
	outputTokens: number,
	overrides: Prices = {},
): number {
	const prices = { ...defaultPrices, ...overrides }
	const price = prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')]
	if (!price) return 0
	const usd = (inputTokens * price.input + outputTokens * price.output) / 1_000_000
	// Store micro-dollars precision; floating noise would show in totals.
	return Math.round(usd * 1e8) / 1e8
}
