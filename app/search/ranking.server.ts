import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm'
import { imageEmbeddings, images } from '#db/schema'
import { AiAnalysisError } from '#app/ai/types'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { SemanticSearchUnavailableError, ValidationError } from '#app/errors'
import {
	exclusionsWhere,
	listImages,
	listWhere,
	notTrashed,
	orderOf,
	type OwnedImageRow,
	selectWithOwners,
	someTermWhere,
	textRank,
} from '#app/images/queries.server'
import type { ListQuery } from '#app/images/schemas'
import { parseSearchTerms } from '#app/images/search-terms'
import { log } from '#app/log.server'
import { queryVector, type QueryVector, vectorBackend } from './embeddings.server'
import { fuse } from './fusion'
import { CANDIDATES_PER_RANKER, MIN_SIMILARITY, PRESELECTED, type SearchMode } from './modes'
import { quantizedDot, vectorLiteral } from './vectors'

// `GET /api/images?q=` and the gallery: words, meaning, or both fused by
// reciprocal rank (docs/decisions/028-semantic-search.md).

export type ImagePage = {
	rows: OwnedImageRow[]
	page: number
	pageSize: number
	total: number
	totalPages: number
	mode: SearchMode | null
}

/** The list the API and the gallery show, by relevance when `q` is matched by meaning too. */
export async function searchImages(userId: string, query: ListQuery): Promise<ImagePage> {
	if (!query.q) return { ...(await listImages(userId, query)), mode: null }
	const queryText = meaningOf(query.q)
	const mode = await modeFor(userId, query, queryText)
	if (mode === 'text' || !queryText) {
		return { ...(await listImages(userId, query)), mode: 'text' }
	}
	let vector: QueryVector
	try {
		vector = await queryVector(userId, queryText)
	} catch (error) {
		if (!(error instanceof AiAnalysisError)) throw error
		log.warn({ err: error, mode }, 'Query embedding failed; searching by words')
		if (mode === 'semantic') {
			throw new SemanticSearchUnavailableError(
				`Semantic search is unavailable: ${error.message} Try mode=text or hybrid.`,
			)
		}
		return { ...(await listImages(userId, query)), mode: 'text' }
	}
	const filters = and(listWhere(userId, { ...query, q: undefined }), exclusionsWhere(query.q))!
	// Only the trash narrows the caller's own images: pre-select on their vectors alone.
	const narrowed = Boolean(
		query.status || query.tag || query.type || query.from || query.to || hasExclusions(query.q),
	)
	const ownerId = query.scope === 'mine' && !narrowed ? userId : undefined
	const hybrid = mode === 'hybrid'
	const [byMeaning, byAllWords, bySomeWords] = await Promise.all([
		meaningRanked({ where: filters, ownerId }, vector, CANDIDATES_PER_RANKER),
		hybrid ? wordsRanked(listWhere(userId, query), query) : [],
		hybrid && hasSeveralTerms(query.q)
			? wordsRanked(and(filters, someTermWhere(query.q))!, query)
			: [],
	])
	const ranked = fuse(
		byAllWords,
		bySomeWords,
		byMeaning.map((match) => match.id),
	)
	return {
		rows: await pageOf(ranked, query),
		page: query.page,
		pageSize: query.pageSize,
		total: ranked.length,
		totalPages: Math.ceil(ranked.length / query.pageSize),
		mode,
	}
}

/**
 * One page of the matches: in relevance order under the default sort, else
 * (`sort` chosen: name, size, oldest, taken) in that order.
 */
async function pageOf(ranked: string[], query: ListQuery): Promise<OwnedImageRow[]> {
	if (ranked.length === 0) return []
	const offset = (query.page - 1) * query.pageSize
	if (query.sort !== 'newest') {
		return selectWithOwners()
			.where(inArray(images.id, ranked))
			.orderBy(...orderOf(query.sort))
			.limit(query.pageSize)
			.offset(offset)
	}
	const pageIds = ranked.slice(offset, offset + query.pageSize)
	if (pageIds.length === 0) return []
	const rows = await selectWithOwners().where(inArray(images.id, pageIds))
	const byId = new Map(rows.map((row) => [row.id, row]))
	return pageIds.flatMap((id) => byId.get(id) ?? [])
}

const hasSeveralTerms = (q: string) => parseSearchTerms(q).all.flat().length > 1

const hasExclusions = (q: string) => parseSearchTerms(q).none.length > 0

/** What meaning search embeds: the wanted terms as typed, without quotes, `or` and exclusions. */
function meaningOf(q: string): string {
	return parseSearchTerms(q)
		.all.flat()
		.map((term) => term.text)
		.join(' ')
}

/** The mode asked for, or the default; refuses `semantic` when it cannot run. */
async function modeFor(userId: string, query: ListQuery, queryText: string): Promise<SearchMode> {
	if (query.mode === 'text') return 'text'
	const available = await semanticAvailable(userId, query.scope)
	if (query.mode === 'semantic' && (!available || !queryText)) {
		const reason = !config.ai.embeddings
			? 'semantic search is not configured (AI_PROVIDER=openai with an OPENAI_EMBEDDING_MODEL)'
			: !queryText
				? '`q` has no terms to search for, only exclusions'
				: 'none of these images has a search embedding yet'
		throw new ValidationError(`mode=semantic cannot run: ${reason}.`, [
			{ path: 'mode', message: `semantic search is unavailable: ${reason}` },
		])
	}
	if (!available) return 'text'
	return query.mode ?? 'hybrid'
}

/** Whether embeddings are configured and any image in the scope has one of the current model. */
export async function semanticAvailable(userId: string, scope: ListQuery['scope']) {
	const embeddings = config.ai.embeddings
	if (!embeddings) return false
	const current = and(
		eq(imageEmbeddings.model, embeddings.model),
		eq(imageEmbeddings.dimensions, embeddings.dimensions),
	)
	const [row] = await db
		.select({ id: imageEmbeddings.imageId })
		.from(imageEmbeddings)
		.innerJoin(images, eq(images.id, imageEmbeddings.imageId))
		.where(
			and(
				current,
				notTrashed,
				scope === 'team'
					? eq(images.visibility, 'team')
					: and(eq(imageEmbeddings.userId, userId), eq(images.userId, userId)),
			),
		)
		.limit(1)
	return Boolean(row)
}

/** Images `where` admits, best word match first, then in the list's order (as words-only search). */
async function wordsRanked(where: SQL, query: ListQuery): Promise<string[]> {
	const rows = await db
		.select({ id: images.id })
		.from(images)
		.where(where)
		.orderBy(desc(textRank(query.q!)), ...orderOf(query.sort))
		.limit(CANDIDATES_PER_RANKER)
	return rows.map((row) => row.id)
}

export type MeaningMatch = { id: string; similarity: number }

/**
 * Which images meaning search may return: those `where` admits (a condition
 * on `images`). `ownerId`, when every one of them is that user's and nothing
 * else narrows them much, lets the fallback pre-select on image_embeddings
 * alone (a narrow table) before reading images.
 */
export type MeaningCandidates = { where: SQL; ownerId?: string }

/**
 * The candidates nearest to `vector`, most similar first, with a cosine
 * similarity of at least MIN_SIMILARITY.
 */
export async function meaningRanked(
	candidates: MeaningCandidates,
	vector: QueryVector,
	limit: number,
): Promise<MeaningMatch[]> {
	const embeddings = config.ai.embeddings
	if (!embeddings) return []
	const current = sql`e.model = ${embeddings.model} and e.dimensions = ${embeddings.dimensions}`
	if ((await vectorBackend()) === 'pgvector') {
		const query = sql`${vectorLiteral(vector.vector)}::vector`
		const rows = await db.execute<{ id: string; similarity: number }>(sql`
			select e.image_id as id, 1 - (e.embedding_vector <=> ${query}) as similarity
			from image_embeddings e join images on images.id = e.image_id
			where ${current} and ${candidates.where}
			order by e.embedding_vector <=> ${query}
			limit ${limit}`)
		return rows
			.map((row) => ({ id: row.id, similarity: Number(row.similarity) }))
			.filter((row) => row.similarity >= MIN_SIMILARITY)
	}
	const rows = await db.execute<{ id: string; embedding: string }>(
		preselect(current, candidates, vector.signature),
	)
	return rows
		.map((row) => ({
			id: row.id,
			similarity: quantizedDot(Buffer.from(row.embedding, 'base64'), vector.vector),
		}))
		.filter((row) => row.similarity >= MIN_SIMILARITY)
		.sort((a, b) => b.similarity - a.similarity)
		.slice(0, limit)
}

/**
 * The fallback's first step: the PRESELECTED candidates nearest by Hamming
 * distance of the sign signatures (bit_count of the XOR: C speed over a
 * narrow column), with their int8 vectors (516 bytes, as base64) for the
 * cosine, which JavaScript computes: 512 multiplications each, where SQL's
 * unnest over real[] costs about 0.2 ms a vector (decision 028).
 */
export function preselect(current: SQL, candidates: MeaningCandidates, signature: string) {
	const distance = sql`bit_count(e.signature # ${signature}::varbit)`
	if (candidates.ownerId) {
		// The owner's signatures alone first (a top-N over one narrow table), then
		// their images' conditions (the trash) by primary key.
		return sql`
			select p.id, encode(e.quantized, 'base64') as embedding
			from (
				select e.image_id as id from image_embeddings e
				where e.user_id = ${candidates.ownerId} and ${current}
				order by ${distance} limit ${PRESELECTED}
			) p
			join image_embeddings e on e.image_id = p.id
			join images on images.id = p.id
			where ${candidates.where}`
	}
	return sql`
		select e.image_id as id, encode(e.quantized, 'base64') as embedding
		from image_embeddings e join images on images.id = e.image_id
		where ${current} and ${candidates.where}
		order by ${distance} limit ${PRESELECTED}`
}
