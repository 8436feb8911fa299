import { and, eq, sql } from 'drizzle-orm'
import { images } from '../../db/schema'
import { config } from '~/config.server'
import type { Tx } from '~/db.server'

export const AI_SKIPPED_REASON = 'No AI provider is configured (AI_PROVIDER=none).'

/**
 * Decides the AI stage of an image whose image stage just completed, inside
 * the caller's transaction: with no provider it is skipped, with its reason.
 */
export async function decideAiStage(tx: Tx, imageId: string) {
	if (config.aiProvider === 'none') {
		await tx
			.update(images)
			.set({ aiStatus: 'skipped', aiError: AI_SKIPPED_REASON, ai: null, updatedAt: sql`now()` })
			.where(and(eq(images.id, imageId), eq(images.status, 'completed')))
	}
}
