// Reciprocal rank fusion of the word and meaning rankings (decision 028).

/** The constant k of 1 / (k + rank): 60, as in Cormack et al. (2009) and most search engines. */
export const RRF_K = 60

/**
 * Reciprocal rank fusion: each list adds 1 / (RRF_K + rank). Images matching
 * every term come first, so exact words and phrases still win over meaning.
 */
export function fuse(byWords: string[], byMeaning: string[]): string[] {
	const score = new Map<string, number>()
	const add = (ids: string[]) =>
		ids.forEach((id, index) => score.set(id, (score.get(id) ?? 0) + 1 / (RRF_K + index + 1)))
	add(byWords)
	add(byMeaning)
	const words = new Set(byWords)
	return [...score.keys()].sort(
		(a, b) =>
			Number(words.has(b)) - Number(words.has(a)) ||
			score.get(b)! - score.get(a)! ||
			(a < b ? -1 : 1),
	)
}
