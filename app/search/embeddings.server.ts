import { and, eq, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import { embeddingUsage, imageEmbeddings, images, queryEmbeddings } from '#db/schema'
import { costUsd } from '#app/ai/pricing'
import { getEmbedder } from '#app/ai/provider.server'
import type { Embedder } from '#app/ai/types'
import { config } from '#app/config.server'
import { db, type Tx } from '#app/db.server'
import { imageJobKey } from '#app/images/jobs.server'
import { addJob } from '#app/jobs/tasks.server'
import { aiCost, aiTokens } from '#app/metrics.server'
import { currentTraceparent } from '#app/tracing.server'
import {
	normalize,
	quantize,
	realArrayLiteral,
	signatureOf,
	textHash,
	vectorLiteral,
} from './vectors'

// Storing and reading search embeddings (docs/decisions/028-semantic-search.md).

/** The vector index pgvector's column is built for (migration 0022). */
const PGVECTOR_DIMENSIONS = 512

export type VectorBackend = 'pgvector' | 'fallback'

let backend: Promise<VectorBackend> | undefined

/**
 * Which path semantic search takes: pgvector's HNSW index when migration 0022
 * could create it and the configured size fits it, else real[] + signatures.
 * Read once per process: the column only appears through a migration.
 */
export function vectorBackend(): Promise<VectorBackend> {
	backend ??= db
		.execute<{ present: boolean }>(
			sql`select exists (select 1 from information_schema.columns
				where table_schema = current_schema() and table_name = 'image_embeddings'
				and column_name = 'embedding_vector') as present`,
		)
		.then(([row]) =>
			row?.present && config.ai.embeddings?.dimensions === PGVECTOR_DIMENSIONS
				? 'pgvector'
				: 'fallback',
		)
		.catch((error: unknown) => {
			backend = undefined
			throw error
		})
	return backend
}

/** The embedding job of an image, added in the caller's transaction (the AI stage's completion). */
export async function enqueueEmbedding(tx: Tx, imageId: string, requestId?: string | null) {
	await addJob(
		tx,
		'embed-image',
		{ imageId, requestId: requestId ?? null, traceparent: currentTraceparent() },
		// The SDK retries transient failures inside each attempt.
		{ jobKey: imageJobKey('embed-image', imageId), maxAttempts: 3 },
	)
}

/** Records an embeddings call: tokens and cost for GET /api/usage, and the AI metrics. */
async function recordUsage(
	executor: Tx | typeof db,
	userId: string,
	purpose: 'image' | 'query',
	result: { model: string; inputTokens: number },
) {
	const cost = costUsd(result.model, result.inputTokens, 0, config.ai.prices)
	await executor.insert(embeddingUsage).values({
		userId,
		purpose,
		model: result.model,
		inputTokens: result.inputTokens,
		costUsd: cost,
	})
	aiTokens.inc({ model: result.model, direction: 'input' }, result.inputTokens)
	aiCost.inc({ model: result.model }, cost)
	return cost
}

/** The current embedding of an image (this model and size), if any. */
export async function currentEmbeddingOf(imageId: string, embedder: Embedder) {
	const [row] = await db
		.select({ textHash: imageEmbeddings.textHash, signature: imageEmbeddings.signature })
		.from(imageEmbeddings)
		.where(
			and(
				eq(imageEmbeddings.imageId, imageId),
				eq(imageEmbeddings.model, embedder.model),
				eq(imageEmbeddings.dimensions, embedder.dimensions),
			),
		)
	return row
}

/**
 * Embeds an image's text and stores it, with its usage, in one transaction.
 * Returns false when the image went away meanwhile (nothing stored).
 */
export async function storeImageEmbedding(
	image: { id: string; userId: string },
	text: string,
	embedder: Embedder,
	logger: Logger,
): Promise<boolean> {
	const result = await embedder.embed([text])
	const vector = normalize(result.vectors[0]!)
	const hash = textHash(text)
	const usePgvector = (await vectorBackend()) === 'pgvector'
	return db.transaction(async (tx) => {
		// Locks the image row, so a delete waits and the cascade follows the insert.
		const [live] = await tx
			.select({ id: images.id })
			.from(images)
			.where(eq(images.id, image.id))
			.for('update')
		if (!live) return false
		const values = {
			imageId: image.id,
			userId: image.userId,
			model: embedder.model,
			dimensions: embedder.dimensions,
			textHash: hash,
			embedding: sql`${realArrayLiteral(vector)}::real[]`,
			signature: sql`${signatureOf(vector)}::varbit`,
			quantized: quantize(vector),
			createdAt: sql`now()`,
		}
		await tx
			.insert(imageEmbeddings)
			.values(values as never)
			.onConflictDoUpdate({ target: imageEmbeddings.imageId, set: values as never })
		if (usePgvector) {
			await tx.execute(
				sql`update image_embeddings set embedding_vector = ${vectorLiteral(vector)}::vector where image_id = ${image.id}`,
			)
		}
		const cost = await recordUsage(tx, image.userId, 'image', result)
		logger.info(
			{ model: result.model, inputTokens: result.inputTokens, costUsd: cost },
			'Search embedding stored',
		)
		return true
	})
}

export type QueryVector = { vector: number[]; signature: string }

/**
 * A search query's vector: from the cache when anyone searched the same text
 * with this model before, else embedded now (the caller's usage records it).
 * Throws AiAnalysisError when the provider fails.
 */
export async function queryVector(userId: string, text: string): Promise<QueryVector> {
	const embedder = getEmbedder({ forQuery: true })
	if (!embedder) throw new Error('Semantic search is off')
	const key = and(
		eq(queryEmbeddings.model, embedder.model),
		eq(queryEmbeddings.dimensions, embedder.dimensions),
		eq(queryEmbeddings.textHash, textHash(text)),
	)
	const [cached] = await db
		.select({
			vector: queryEmbeddings.embedding,
			signature: queryEmbeddings.signature,
			usedAt: queryEmbeddings.usedAt,
		})
		.from(queryEmbeddings)
		.where(key)
	if (cached) {
		// A read, not a write, per search: used_at (for a future expiry sweep) moves once a day at most.
		if (Date.now() - cached.usedAt.getTime() > 86_400_000) {
			await db
				.update(queryEmbeddings)
				.set({ usedAt: sql`now()` })
				.where(key)
		}
		return { vector: cached.vector, signature: cached.signature }
	}
	const result = await embedder.embed([text])
	const vector = normalize(result.vectors[0]!)
	const signature = signatureOf(vector)
	await db.transaction(async (tx) => {
		await tx
			.insert(queryEmbeddings)
			.values({
				model: embedder.model,
				dimensions: embedder.dimensions,
				textHash: textHash(text),
				embedding: sql`${realArrayLiteral(vector)}::real[]`,
				signature: sql`${signature}::varbit`,
			} as never)
			.onConflictDoNothing()
		await recordUsage(tx, userId, 'query', result)
	})
	return { vector, signature }
}
