// How `?q=` is matched (plain values, so the gallery's browser code can offer them).

/**
 * `hybrid`: words and meaning, fused; `text`: words only (full-text and file
 * name, as before semantic search); `semantic`: meaning only.
 */
export const searchModes = ['hybrid', 'text', 'semantic'] as const
export type SearchMode = (typeof searchModes)[number]

/** Results each ranker contributes at most to a relevance-ordered list. */
export const CANDIDATES_PER_RANKER = 200

/**
 * Without pgvector: how many nearest by signature (Hamming distance) the exact
 * cosine re-scores. Recall and time against it are measured by the bench's
 * search section (decision 028).
 */
export const PRESELECTED = 200

/**
 * The least cosine similarity a meaning match needs: below it, nearest is
 * merely least far (every image has some similarity to any query).
 */
export const MIN_SIMILARITY = 0.25

/** "More like this" shows this many by default; the API answers at most MAX_SIMILAR. */
export const DEFAULT_SIMILAR = 12
export const MAX_SIMILAR = 50

/**
 * The most bits (of 64) two perceptual hashes may differ by to count as
 * looking alike; unrelated pictures differ by about 32.
 */
export const MAX_VISUAL_DISTANCE = 20
