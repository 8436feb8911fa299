import { and, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { images } from '#db/schema'
import { decideAiStage } from '#app/ai/stage.server'
import { db } from '#app/db.server'
import { ConflictError, NotFoundError } from '#app/errors'
import { enqueueJob } from './jobs.server'
import type { stageSchema } from './schemas'
import { type ImageRow, notTrashed } from './queries.server'
import { queueImageStageAgain } from './state.server'

type Stage = z.output<typeof stageSchema>

/** Runs the requested stages of the caller's images again; all or none. */
export async function reprocessImages(
	userId: string,
	ids: string[],
	stages: Stage[],
	requestId?: string,
): Promise<ImageRow[]> {
	const unique = [...new Set(ids)]
	return db.transaction(async (tx) => {
		const owned = await tx
			.select({ id: images.id, status: images.status })
			.from(images)
			.where(and(eq(images.userId, userId), inArray(images.id, unique), notTrashed))
			.for('update')
		if (owned.length !== unique.length) {
			throw new NotFoundError(
				unique.length === 1
					? 'No image with this id.'
					: 'One or more of these images do not exist.',
			)
		}
		for (const image of owned) {
			if (stages.includes('image')) {
				await queueImageStageAgain(tx, image.id)
				await enqueueJob(tx, 'process-image', image.id, requestId)
			} else if (image.status === 'completed') {
				await decideAiStage(tx, image.id, requestId)
			} else if (image.status === 'failed') {
				throw new ConflictError(
					'The image stage failed, so the AI stage cannot run; process stage "image" again.',
				)
			}
			// Otherwise the image stage is still to come and decides the AI stage itself.
		}
		return tx.select().from(images).where(inArray(images.id, unique))
	})
}
