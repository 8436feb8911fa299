import { createHash } from 'node:crypto'
import type { AiResult } from '#db/schema'

// Pure pieces of semantic search: what text an image is embedded by, and how
// a vector is stored (unit length, real[] text, sign-bit signature).

/** The most characters of OCR text embedded: the model reads the start; long scans add cost, not meaning. */
const MAX_OCR_CHARS = 2000

/**
 * What an image is embedded by: summary, tags, OCR text and file name, one a
 * line. A query is embedded the same way (as typed), so the two compare.
 */
export function embeddingText(image: {
	filename: string
	ai: Pick<AiResult, 'summary' | 'tags' | 'ocrText'> | null
}): string {
	const ai = image.ai
	return [
		ai?.summary,
		ai?.tags.length ? ai.tags.join(', ') : null,
		ai?.ocrText?.slice(0, MAX_OCR_CHARS),
		image.filename,
	]
		.filter((part): part is string => Boolean(part?.trim()))
		.join('\n')
}

/** SHA-256 of the embedded text: the same text is never embedded twice for one model. */
export const textHash = (text: string) => createHash('sha256').update(text).digest('hex')

/** Unit length, so cosine similarity is a plain dot product in SQL. */
export function normalize(vector: number[]): number[] {
	const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0))
	return norm === 0 ? vector : vector.map((x) => x / norm)
}

/**
 * The sign bits ('1' for ≥ 0), as PostgreSQL `bit varying` text. Vectors at a
 * small angle share most signs, so Hamming distance pre-selects neighbours.
 */
export const signatureOf = (vector: number[]) => vector.map((x) => (x >= 0 ? '1' : '0')).join('')

/** A `real[]` literal; passed as one parameter (a JS array would become many). */
export const realArrayLiteral = (vector: number[]) => `{${vector.join(',')}}`

/** A pgvector literal. */
export const vectorLiteral = (vector: number[]) => `[${vector.join(',')}]`
