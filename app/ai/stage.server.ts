import { and, eq, sql } from 'drizzle-orm'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import type { Tx } from '#app/db.server'
import { enqueueJob } from '#app/images/jobs.server'

export const AI_SKIPPED_REASON = 'No AI provider is configured (AI_PROVIDER=none).'

/**
 * Decides the AI stage of an image whose image stage is complete, inside the
 * caller's transaction: queue the analysis, or skip it (with the reason) when
 * no provider is configured.
 */
export async function decideAiStage(tx: Tx, imageId: string, requestId?: string) {
	const skip = config.ai.provider === 'none'
	const updated = await tx
		.update(images)
		.set({
			aiStatus: skip ? 'skipped' : 'pending',
			aiError: skip ? AI_SKIPPED_REASON : null,
			updatedAt: sql`now()`,
		})
		.where(and(eq(images.id, imageId), eq(images.status, 'completed')))
		.returning({ id: images.id })
	if (!skip && updated.length > 0) await enqueueJob(tx, 'analyze-image', imageId, requestId)
}
