import { and, eq } from 'drizzle-orm'
import { images } from '#db/schema'
import { getEmbedder } from '#app/ai/provider.server'
import { AiAnalysisError } from '#app/ai/types'
import { db } from '#app/db.server'
import { notTrashed } from '#app/images/queries.server'
import { clearEmbeddingFailure, recordEmbeddingFailure } from '#app/images/state.server'
import { log } from '#app/log.server'
import { aiFailures } from '#app/metrics.server'
import { currentEmbeddingOf, storeImageEmbedding } from '#app/search/embeddings.server'
import { embeddingText, textHash } from '#app/search/vectors'
import { imageTask } from '#worker/job-payload'

/**
 * The search embedding of an analysed image (semantic search), queued when
 * the AI stage completes. Idempotent and cheap to repeat (the backfill queues
 * it for every image): an embedding of the same text with the current model
 * is kept without a call. A failure never touches the analysis: the image
 * stays `completed` and aiError says that the embedding failed.
 */
export const embedImageTask = imageTask('embed-image', async ({ imageId, requestId }, helpers) => {
	const logger = log.child({ task: 'embed-image', jobId: helpers.job.id, imageId, requestId })
	const embedder = getEmbedder()
	if (!embedder) return logger.info('Semantic search is off; nothing to do')
	const [image] = await db
		.select({ id: images.id, userId: images.userId, filename: images.filename, ai: images.ai })
		.from(images)
		.where(and(eq(images.id, imageId), eq(images.aiStatus, 'completed'), notTrashed))
	if (!image?.ai) return logger.info('Image is gone or not analysed; nothing to do')
	const text = embeddingText(image)
	const current = await currentEmbeddingOf(image.id, embedder)
	if (current?.textHash === textHash(text)) {
		return logger.debug('Embedding is current; nothing to do')
	}
	try {
		const stored = await storeImageEmbedding(image, text, embedder, logger)
		if (stored) await clearEmbeddingFailure(db, image.id)
	} catch (error) {
		const final = error instanceof AiAnalysisError
		const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
		logger.warn({ err: error, attempt: helpers.job.attempts }, 'Search embedding failed')
		aiFailures.inc({ reason: 'embedding' })
		if (final || lastAttempt) {
			await recordEmbeddingFailure(
				db,
				image.id,
				final ? error.message : 'an unexpected error; process the image again later.',
			)
		}
		// The provider already retried (AiAnalysisError is final); anything else gets the job's retries.
		if (!final) throw error
	}
})
