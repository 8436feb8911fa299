import { eq, sql } from 'drizzle-orm'
import { webhookDeliveries, webhooks } from '#db/schema'
import { config } from '#app/config.server'
import { db, type Tx } from '#app/db.server'
import { WebhookUrlRefusedError } from '#app/errors'
import type { WebhookEvent } from './schemas'
import { decryptSecret } from './secrets.server'
import { sendWebhook, type SendResult } from './send.server'

// One attempt of a delivery, recorded in its row. The caller (the
// deliver-webhook job) retries what this reports as retryable, with
// graphile-worker's exponential backoff. A delivery that fails for good
// counts towards disabling its webhook (WEBHOOK_DISABLE_AFTER_FAILURES).

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'nothing-to-do'

/** What settling a delivery did to its webhook when it disabled it. */
export type AutoDisabled = { webhookId: string; userId: string; reason: string }

const NOT_SENT_WEBHOOK_DISABLED = 'Webhook disabled; not sent.'

export async function attemptDelivery(
	deliveryId: string,
	{ lastAttempt, signal }: { lastAttempt: boolean; signal?: AbortSignal },
): Promise<{ outcome: AttemptOutcome; error?: string | null; disabled?: AutoDisabled }> {
	const [delivery] = await db
		.select({
			status: webhookDeliveries.status,
			eventId: webhookDeliveries.eventId,
			payload: webhookDeliveries.payload,
			webhookId: webhooks.id,
			url: webhooks.url,
			secretEncrypted: webhooks.secretEncrypted,
			disabledAt: webhooks.disabledAt,
		})
		.from(webhookDeliveries)
		.innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
		.where(eq(webhookDeliveries.id, deliveryId))
	// Gone with its webhook, or already settled by an earlier run.
	if (!delivery || delivery.status === 'succeeded' || delivery.status === 'failed') {
		return { outcome: 'nothing-to-do' }
	}
	if (delivery.disabledAt) {
		// Queued before the webhook was disabled: settled without calling the endpoint.
		await db
			.update(webhookDeliveries)
			.set({ status: 'failed', error: NOT_SENT_WEBHOOK_DISABLED, completedAt: sql`now()` })
			.where(eq(webhookDeliveries.id, deliveryId))
		return { outcome: 'failed', error: NOT_SENT_WEBHOOK_DISABLED }
	}
	const { result, permanent } = await send(delivery, signal)
	const outcome: AttemptOutcome = result.ok
		? 'succeeded'
		: permanent || lastAttempt
			? 'failed'
			: 'retry'
	const disabled = await recordAttempt(delivery.webhookId, deliveryId, outcome, result)
	return { outcome, error: result.error, ...(disabled ? { disabled } : {}) }
}

/**
 * Writes the attempt into the delivery row and, once it is settled, into the
 * webhook's run of failures; returns what it disabled, if it did. The
 * webhook row is locked first (as deleting a webhook does, before its
 * deliveries), so deliveries settled at once by several workers count one
 * after another.
 */
async function recordAttempt(
	webhookId: string,
	deliveryId: string,
	outcome: Exclude<AttemptOutcome, 'nothing-to-do'>,
	result: SendResult,
): Promise<AutoDisabled | null> {
	return db.transaction(async (tx) => {
		const [webhook] = await tx
			.select({
				userId: webhooks.userId,
				disabledAt: webhooks.disabledAt,
				consecutiveFailures: webhooks.consecutiveFailures,
			})
			.from(webhooks)
			.where(eq(webhooks.id, webhookId))
			.for('no key update')
		// Deleted meanwhile, and its deliveries with it.
		if (!webhook) return null
		await tx
			.update(webhookDeliveries)
			.set({
				status: outcome === 'retry' ? 'retrying' : outcome,
				attempts: sql`${webhookDeliveries.attempts} + 1`,
				responseStatus: result.responseStatus,
				responseBody: result.responseBody,
				error: result.error,
				durationMs: result.durationMs,
				lastAttemptAt: sql`now()`,
				completedAt: outcome === 'retry' ? null : sql`now()`,
			})
			.where(eq(webhookDeliveries.id, deliveryId))
		if (outcome === 'succeeded' && webhook.consecutiveFailures > 0) {
			await tx.update(webhooks).set({ consecutiveFailures: 0 }).where(eq(webhooks.id, webhookId))
		}
		if (outcome !== 'failed') return null
		const failures = webhook.consecutiveFailures + 1
		const limit = config.webhooks.disableAfterFailures
		if (limit === 0 || failures < limit || webhook.disabledAt) {
			await tx
				.update(webhooks)
				.set({ consecutiveFailures: failures })
				.where(eq(webhooks.id, webhookId))
			return null
		}
		const reason = `Disabled after ${failures} deliveries in a row failed; last error: ${result.error}`
		await tx
			.update(webhooks)
			.set({ consecutiveFailures: failures, disabledAt: sql`now()`, disabledReason: reason })
			.where(eq(webhooks.id, webhookId))
		await settleQueuedDeliveriesSoon(tx, webhookId)
		return { webhookId, userId: webhook.userId, reason }
	})
}

/**
 * Runs the jobs of the webhook's unsettled deliveries now instead of at their
 * next retry, so that a disabled webhook's queue settles (as not sent) at
 * once. The payload is only in graphile-worker's private table (as on the
 * admin jobs page); jobs running right now are left alone (and settle as usual).
 */
export async function settleQueuedDeliveriesSoon(tx: Tx, webhookId: string) {
	await tx.execute(sql`select count(*) from graphile_worker.reschedule_jobs(array(
		select j.id from graphile_worker.jobs j
		join graphile_worker._private_jobs p on p.id = j.id
		where j.task_identifier = 'deliver-webhook'
			and p.payload->>'deliveryId' in (
				select d.id::text from ${webhookDeliveries} d
				where d.webhook_id = ${webhookId}::uuid and d.status in ('pending', 'retrying'))
	), run_at := now())`)
}

/** One attempt; `permanent` when no retry can succeed (a refused address, an unreadable secret). */
async function send(
	delivery: { url: string; secretEncrypted: string; eventId: string; payload: WebhookEvent },
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
