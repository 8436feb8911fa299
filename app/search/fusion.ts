// How hybrid search orders its matches (decision 028).

/** The constant k of 1 / (k + rank): 60, as in Cormack et al. (2009) and most search engines. */
export const RRF_K = 60

/**
 * Images matching every term come first, in the words order (text rank, then
 * the list's order), exactly as a words-only search lists them: exact words
 * and phrases always win. The rest (some of the words, or the meaning) follow
 * by reciprocal rank fusion: each ranking adds 1 / (RRF_K + rank).
 */
export function fuse(allWords: string[], someWords: string[], meaning: string[]): string[] {
	const first = new Set(allWords)
	const score = new Map<string, number>()
	for (const ranking of [someWords, meaning]) {
		ranking.forEach((id, index) => {
			if (!first.has(id)) score.set(id, (score.get(id) ?? 0) + 1 / (RRF_K + index + 1))
		})
	}
	const rest = [...score.keys()].sort((a, b) => score.get(b)! - score.get(a)! || (a < b ? -1 : 1))
	return [...allWords, ...rest]
}
