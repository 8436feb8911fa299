import { config } from '#app/config.server'
import type { Tx } from '#app/db.server'
import { enqueueJob } from '#app/images/jobs.server'
import { decideAiStageState } from '#app/images/state.server'

export const AI_SKIPPED_REASON = 'No AI provider is configured (AI_PROVIDER=none).'

/** Why the AI stage is skipped, or undefined when it runs (a provider is configured). */
export const aiSkippedReason = () => (config.ai.provider === 'none' ? AI_SKIPPED_REASON : undefined)

/**
 * Decides the AI stage of an image whose image stage is complete, inside the
 * caller's transaction: queue the analysis, or skip it (with the reason) when
 * no provider is configured. The image stage decides it in its own completing
 * update (completeImageStage) and then calls queueAiStage.
 */
export async function decideAiStage(tx: Tx, imageId: string, requestId?: string) {
	const decided = await decideAiStageState(tx, imageId, { skippedReason: aiSkippedReason() })
	if (decided) await queueAiStage(tx, imageId, requestId)
}

/** The analysis job of an image whose AI stage was just decided, unless the stage is skipped. */
export async function queueAiStage(tx: Tx, imageId: string, requestId?: string) {
	if (!aiSkippedReason()) await enqueueJob(tx, 'analyze-image', imageId, requestId)
}
