import { config } from '#app/config.server'
import type { Tx } from '#app/db.server'
import { enqueueJob } from '#app/images/jobs.server'
import { decideAiStageState } from '#app/images/state.server'

export const AI_SKIPPED_REASON = 'No AI provider is configured (AI_PROVIDER=none).'

/**
 * Decides the AI stage of an image whose image stage is complete, inside the
 * caller's transaction: queue the analysis, or skip it (with the reason) when
 * no provider is configured.
 */
export async function decideAiStage(tx: Tx, imageId: string, requestId?: string) {
	const skip = config.ai.provider === 'none'
	const decided = await decideAiStageState(tx, imageId, {
		skippedReason: skip ? AI_SKIPPED_REASON : undefined,
	})
	if (!skip && decided) await enqueueJob(tx, 'analyze-image', imageId, requestId)
}
