import { and, eq, isNull } from 'drizzle-orm'
import { images } from '#db/schema'
import { db } from '#app/db.server'
import { differenceHash } from '#app/duplicates/phash.server'
import { ObjectNotFoundError } from '#app/errors'
import { setMissingPhash } from '#app/images/state.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { imageTask } from '#worker/job-payload'

/**
 * The perceptual hash of an image completed before the image stage computed
 * one: from its stored thumbnail, the same bytes the stage hashes, so both
 * ways give the same hash. Anything already hashed, unfinished or in the
 * trash is left alone, so the backfill may add this job freely.
 */
export const hashImageTask = imageTask('hash-image', async ({ imageId, requestId }, helpers) => {
	const logger = log.child({ task: 'hash-image', jobId: helpers.job.id, imageId, requestId })
	const [image] = await db
		.select({ thumbnail: images.thumbnail })
		.from(images)
		.where(
			and(
				eq(images.id, imageId),
				eq(images.status, 'completed'),
				isNull(images.phash),
				isNull(images.deletedAt),
			),
		)
	if (!image?.thumbnail) {
		logger.info('Image is gone, unfinished or already hashed; nothing to do')
		return
	}
	try {
		const phash = await differenceHash(await storage.get(image.thumbnail.key))
		const set = await setMissingPhash(db, imageId, phash)
		logger.info({ set }, set ? 'Perceptual hash set' : 'Image changed meanwhile; nothing set')
	} catch (error) {
		// A missing thumbnail does not come back with retries; processing the image again makes one.
		if (error instanceof ObjectNotFoundError) {
			logger.warn({ err: error }, 'Thumbnail cannot be read; image left without a hash')
			return
		}
		throw error
	}
})
