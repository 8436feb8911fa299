import { eq, sql } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '../../db/schema'
import { db } from '~/db.server'
import { WebhookUrlRefusedError } from '~/errors'
import { decryptSecret } from './secrets.server'
import { sendWebhook, type SendResult } from './send.server'

// One attempt of a delivery, recorded in its row. The caller (the
// deliver-webhook job) retries what this reports as retryable, with
// graphile-worker's exponential backoff.

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'nothing-to-do'

export async function attemptDelivery(
	deliveryId: string,
	{ lastAttempt, signal }: { lastAttempt: boolean; signal?: AbortSignal },
): Promise<{ outcome: AttemptOutcome; error?: string | null }> {
	const [delivery] = await db
		.select({
			status: webhookDeliveries.status,
			eventId: webhookDeliveries.eventId,
			payload: webhookDeliveries.payload,
			url: webhooks.url,
			secretEncrypted: webhooks.secretEncrypted,
		})
		.from(webhookDeliveries)
		.innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
		.where(eq(webhookDeliveries.id, deliveryId))
	// Gone with its webhook, or already settled by an earlier run.
	if (!delivery || delivery.status === 'succeeded' || delivery.status === 'failed') {
		return { outcome: 'nothing-to-do' }
	}
	const { result, permanent } = await send(delivery, signal)
	const outcome: AttemptOutcome = result.ok
		? 'succeeded'
		: permanent || lastAttempt
			? 'failed'
			: 'retry'
	const status = outcome === 'retry' ? 'retrying' : outcome
	await db
		.update(webhookDeliveries)
		.set({
			status,
			attempts: sql`${webhookDeliveries.attempts} + 1`,
			responseStatus: result.responseStatus,
			responseBody: result.responseBody,
			error: result.error,
			durationMs: result.durationMs,
			lastAttemptAt: sql`now()`,
			completedAt: outcome === 'retry' ? null : sql`now()`,
		})
		.where(eq(webhookDeliveries.id, deliveryId))
	return { outcome, error: result.error }
}

/** One attempt; `permanent` when no retry can succeed (a refused address, an unreadable secret). */
async function send(
	delivery: { url: string; secretEncrypted: string; eventId: string; payload: unknown },
	signal: AbortSignal | undefined,
): Promise<{ result: SendResult; permanent: boolean }> {
	const refused = (error: string) => ({
		result: { ok: false, responseStatus: null, responseBody: null, error, durationMs: 0 },
		permanent: true,
	})
	let secret: string
	try {
		secret = decryptSecret(delivery.secretEncrypted)
	} catch {
		return refused(
			'The signing secret cannot be decrypted (SECRET_KEY has changed); delete the webhook and add it again.',
		)
	}
	try {
		const result = await sendWebhook({
			url: delivery.url,
			secret,
			messageId: delivery.eventId,
			body: JSON.stringify(delivery.payload),
			signal,
		})
		return { result, permanent: false }
	} catch (error) {
		if (error instanceof WebhookUrlRefusedError) return refused(`Refused: ${error.reason}`)
		throw error
	}
}
