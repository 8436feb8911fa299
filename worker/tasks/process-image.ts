import { aiSkippedReason, queueAiStage } from '#app/ai/stage.server'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { ObjectNotFoundError, UnprocessableImageError } from '#app/errors'
import { variantKey } from '#app/images/keys'
import { processImage, takenAtOf } from '#app/images/pipeline.server'
import {
	claimImageStage,
	completeImageStage,
	failImageStage,
	MISSING_ORIGINAL,
} from '#app/images/state.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { imageTask } from '#worker/job-payload'

/**
 * The image stage: claim the row, derive thumbnail, optimized copy,
 * metadata and ThumbHash placeholder from the original, store the files
 * under deterministic keys and complete the stage (deciding the AI stage)
 * in one transaction. A re-run overwrites the same objects, so retries have
 * the effect of one run.
 */
export const processImageTask = imageTask(
	'process-image',
	async ({ imageId, requestId }, helpers) => {
		const logger = log.child({ task: 'process-image', jobId: helpers.job.id, imageId, requestId })
		const image = await claimImageStage(db, imageId)
		if (!image) {
			logger.info('Image is gone or already processed; nothing to do')
			return
		}
		const started = performance.now()
		try {
			const original = await storage.get(image.originalKey)
			const result = await processImage(
				original,
				{ contentType: image.contentType },
				{
					thumbnailMaxSize: config.thumbnailMaxSize,
					optimizedMaxSize: config.optimizedMaxSize,
					maxInputPixels: config.maxInputPixels,
				},
			)
			const thumbnailKey = variantKey(image.userId, image.id, 'thumbnail')
			const optimizedKey = variantKey(image.userId, image.id, 'optimized')
			await Promise.all([
				storage.put(thumbnailKey, result.thumbnail.buffer, result.thumbnail.contentType),
				storage.put(optimizedKey, result.optimized.buffer, result.optimized.contentType),
			])
			const stored = (key: string, variant: typeof result.thumbnail) => ({
				key,
				contentType: variant.contentType,
				byteSize: variant.byteSize,
				width: variant.width,
				height: variant.height,
			})
			// Only the run whose conditional update matches completes the stage; a
			// duplicate (a worker presumed dead that was not) rewrote the same keys.
			const completed = await db.transaction(async (tx) => {
				const done = await completeImageStage(
					tx,
					image.id,
					{
						metadata: result.metadata,
						// Its own column so the list can filter and sort by it (images_user_taken_idx).
						takenAt: takenAtOf(result.metadata),
						thumbnail: stored(thumbnailKey, result.thumbnail),
						optimized: stored(optimizedKey, result.optimized),
						placeholder: result.placeholder,
						phash: result.phash,
					},
					// The AI stage is decided in the same update: a second update of the
					// row would check its foreign keys, locking the owner and the original.
					{ skippedReason: aiSkippedReason() },
				)
				if (done) await queueAiStage(tx, image.id, requestId ?? undefined)
				return done
			})
			const ms = Math.round(performance.now() - started)
			const attempt = helpers.job.attempts
			if (completed) logger.info({ ms, attempt }, 'Image stage completed')
			else logger.warn({ ms, attempt }, 'Image stage was completed by another run; nothing changed')
		} catch (error) {
			if (error instanceof UnprocessableImageError) {
				logger.warn({ err: error }, 'Image cannot be decoded')
				return failImageStage(db, image.id, error.message)
			}
			if (error instanceof ObjectNotFoundError) {
				logger.error({ err: error }, 'Original is missing from storage')
				return failImageStage(db, image.id, MISSING_ORIGINAL)
			}
			const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
			logger.error(
				{ err: error, attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts },
				lastAttempt ? 'Image stage failed for good' : 'Image stage failed; will retry',
			)
			if (lastAttempt) {
				await failImageStage(
					db,
					image.id,
					`Processing failed after ${helpers.job.attempts} attempts; try again later.`,
				)
			}
			throw error
		}
	},
)
