import type { Task } from 'graphile-worker'
import { deliveryJobPayload } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'
import { attemptDelivery } from '#app/webhooks/delivery.server'

/**
 * Sends one webhook delivery (queued by the database with the event). A
 * failed attempt throws, so graphile-worker retries it with its exponential
 * backoff (exp(attempt) seconds) up to the job's max_attempts; the last
 * failure, or a refused address, settles the delivery as failed instead, and
 * may disable the webhook (WEBHOOK_DISABLE_AFTER_FAILURES). A disabled
 * webhook's deliveries are settled as failed without being sent.
 */
export const deliverWebhookTask: Task<'deliver-webhook'> = async (rawPayload, helpers) => {
	const { deliveryId } = deliveryJobPayload.parse(rawPayload)
	const { attempts, max_attempts: maxAttempts } = helpers.job
	const logger = log.child({ task: 'deliver-webhook', jobId: helpers.job.id, deliveryId })
	const { outcome, error, disabled } = await attemptDelivery(deliveryId, {
		lastAttempt: attempts >= maxAttempts,
		signal: helpers.abortSignal,
	})
	if (disabled) logger.warn(disabled, 'Webhook disabled: too many deliveries in a row failed')
	if (outcome === 'retry') {
		logger.info({ attempt: attempts, error }, 'Webhook delivery failed; will retry')
		throw new Error(`Webhook delivery failed: ${error}`)
	}
	logger.info({ attempt: attempts, outcome, error }, 'Webhook delivery settled')
}
