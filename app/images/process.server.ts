import { and, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { images } from '#db/schema'
import { decideAiStage } from '#app/ai/stage.server'
import { db } from '#app/db.server'
import { ConflictError } from '#app/errors'
import { enqueueJob } from './jobs.server'
import type { stageSchema } from './schemas'
import {
	assertMayManage,
	imageNotFound,
	notTrashed,
	type OwnedImageRow,
	selectWithOwners,
	type Viewer,
	visibleTo,
} from './queries.server'
import { queueImageStageAgain } from './state.server'

type Stage = z.output<typeof stageSchema>

/**
 * Runs the requested stages again; all or none. Every image must be the
 * viewer's, or (for an admin) shared: 404 for one they cannot see, 403 for
 * someone else's shared one.
 */
export async function reprocessImages(
	viewer: Viewer,
	ids: string[],
	stages: Stage[],
	requestId?: string,
): Promise<OwnedImageRow[]> {
	const unique = [...new Set(ids)]
	return db.transaction(async (tx) => {
		const owned = await tx
			.select({ id: images.id, status: images.status, userId: images.userId })
			.from(images)
			.where(and(visibleTo(viewer.id), inArray(images.id, unique), notTrashed))
			// Not FOR UPDATE: that also blocks the KEY SHARE a worker's update of a
			// duplicate takes on its original (duplicate_of), a deadlock when both
			// are in the batch. Nothing here changes an id or deletes a row.
			.for('no key update')
		if (owned.length !== unique.length) throw imageNotFound(unique.length)
		assertMayManage(viewer, owned)
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
		return selectWithOwners(tx).where(inArray(images.id, unique))
	})
}
