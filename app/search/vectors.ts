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

/**
 * The vector as one signed byte per dimension, after a 4-byte big-endian
 * float: the step between byte values (max |x| / 127). The fallback re-scores
 * from these: a ~1% error on a cosine, an eighth of the bytes of real[].
 */
export function quantize(vector: number[]): Buffer {
	const max = vector.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1
	const bytes = Buffer.alloc(4 + vector.length)
	bytes.writeFloatBE(max / 127, 0)
	vector.forEach((x, i) => bytes.writeInt8(Math.round((x / max) * 127), 4 + i))
	return bytes
}

/** The dot product of a quantized vector with `vector`: both unit length, their cosine similarity. */
export function quantizedDot(bytes: Buffer, vector: number[]): number {
	let sum = 0
	for (let i = 0; i < vector.length; i++) sum += bytes.readInt8(4 + i) * vector[i]!
	return sum * bytes.readFloatBE(0)
}
