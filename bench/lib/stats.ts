// Small numeric helpers shared by every section.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return Number.NaN
	const sorted = [...samples].sort((a, b) => a - b)
	const rank = Math.ceil((p / 100) * sorted.length)
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export type Summary = { count: number; p50: number; p99: number; max: number; mean: number }

export function summarize(samples: readonly number[]): Summary {
	const mean = samples.reduce((sum, x) => sum + x, 0) / (samples.length || 1)
	return {
		count: samples.length,
		p50: percentile(samples, 50),
		p99: percentile(samples, 99),
		max: samples.length ? Math.max(...samples) : Number.NaN,
		mean,
	}
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits))

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Milliseconds since `start` (a performance.now() value). */
export const since = (start: number) => performance.now() - start
