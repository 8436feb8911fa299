import { prepareForAnalysis } from '#app/ai/prepare.server'
import { costUsd } from '#app/ai/pricing'
import { getAiProvider } from '#app/ai/provider.server'
import { AI_SKIPPED_REASON } from '#app/ai/stage.server'
import { AiAnalysisError } from '#app/ai/types'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { ObjectNotFoundError } from '#app/errors'
import { claimAiStage, completeAiStage, failAiStage } from '#app/images/state.server'
import { log } from '#app/log.server'
import { aiCost, aiFailures, aiTokens } from '#app/metrics.server'
import { enqueueEmbedding } from '#app/search/embeddings.server'
import { storage } from '#app/storage/storage.server'
import { imageTask } from '#worker/job-payload'

/**
 * The AI stage: summary, tags, OCR text and safety from the configured
 * provider, with the token cost. Transient provider errors are retried by the
 * provider itself; whatever still fails is recorded as a readable aiError.
 */
export const analyzeImageTask = imageTask(
	'analyze-image',
	async ({ imageId, requestId }, helpers) => {
		const logger = log.child({ task: 'analyze-image', jobId: helpers.job.id, imageId, requestId })
		const provider = getAiProvider()
		const image = await claimAiStage(db, imageId, {
			skippedReason: provider ? undefined : AI_SKIPPED_REASON,
		})
		if (!image || !provider) {
			logger.info(image ? 'No AI provider; skipped' : 'Image is gone or not ready; nothing to do')
			return
		}
		const started = performance.now()
		try {
			const source = image.optimized ?? image.thumbnail
			if (!source) throw new ObjectNotFoundError('optimized')
			const prepared = await prepareForAnalysis(
				await storage.get(source.key),
				config.ai.imageMaxSize,
			)
			const analysis = await provider.analyze({ ...prepared, filename: image.filename })
			const cost = costUsd(
				analysis.model,
				analysis.inputTokens,
				analysis.outputTokens,
				config.ai.prices,
			)
			// Conditional, so a duplicate run (a worker presumed dead that was not) changes nothing.
			// The search embedding is its own job, queued with the completion: an
			// embeddings outage can then never hold up or fail the analysis.
			const completed = await db.transaction(async (tx) => {
				const done = await completeAiStage(tx, image.id, { ...analysis, costUsd: cost })
				if (done && config.ai.embeddings) await enqueueEmbedding(tx, image.id, requestId)
				return done
			})
			// Counted either way: the tokens were spent.
			aiTokens.inc({ model: analysis.model, direction: 'input' }, analysis.inputTokens)
			aiTokens.inc({ model: analysis.model, direction: 'output' }, analysis.outputTokens)
			aiCost.inc({ model: analysis.model }, cost)
			if (!completed) {
				logger.warn(
					{ attempt: helpers.job.attempts },
					'AI stage was completed by another run; nothing changed',
				)
				return
			}
			logger.info(
				{
					attempt: helpers.job.attempts,
					ms: Math.round(performance.now() - started),
					model: analysis.model,
					inputTokens: analysis.inputTokens,
					outputTokens: analysis.outputTokens,
					costUsd: cost,
				},
				'AI stage completed',
			)
		} catch (error) {
			if (error instanceof AiAnalysisError) {
				logger.warn({ err: error }, 'AI analysis failed')
				aiFailures.inc({ reason: 'analysis' })
				return failAiStage(db, image.id, error.message)
			}
			if (error instanceof ObjectNotFoundError) {
				logger.error({ err: error }, 'Optimized copy is missing from storage')
				aiFailures.inc({ reason: 'missing' })
				return failAiStage(db, image.id, 'The optimized copy is missing; process the image again.')
			}
			const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
			logger.error({ err: error, attempt: helpers.job.attempts }, 'AI stage error')
			aiFailures.inc({ reason: 'error' })
			if (lastAttempt) await failAiStage(db, image.id, 'AI analysis failed; try again later.')
			throw error
		}
	},
)
