import { and, count, desc, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { webhookDeliveries, webhookEventTypes, webhooks } from '../../db/schema'
import { lockUser } from '~/auth/users.server'
import { db } from '~/db.server'
import { ConflictError, NotFoundError, WebhookUrlRefusedError } from '~/errors'
import { isUuid } from '~/http/input.server'
import { parseWebhookUrl, resolveWebhookHost } from './address.server'
import { encryptSecret, newWebhookSecret } from './secrets.server'

// Registering, listing and removing a user's webhooks, and reading their
// delivery log. The events themselves are enqueued by the database (see
// db/migrations/0007_webhook_events.sql); deliveries run in the worker.

export const MAX_WEBHOOKS_PER_USER = 10
export const RECENT_DELIVERIES = 20

export type WebhookRow = typeof webhooks.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

export const createWebhookSchema = z.object({
	url: z.string().trim().min(1).max(2048),
	events: z
		.array(z.enum(webhookEventTypes))
		.min(1)
		.transform((events) => [...new Set(events)])
		.default([...webhookEventTypes]),
	description: z.string().trim().max(200).optional(),
})

export type CreateWebhookInput = z.output<typeof createWebhookSchema>

/** Input parsed with createWebhookSchema; answers the webhook and its secret (shown this once). */
export async function createWebhook(
	userId: string,
	{ url, events, description }: CreateWebhookInput,
) {
	await checkWebhookUrl(url)
	const secret = newWebhookSecret()
	const webhook = await db.transaction(async (tx) => {
		await lockUser(tx, userId)
		const [{ total } = { total: 0 }] = await tx
			.select({ total: count() })
			.from(webhooks)
			.where(eq(webhooks.userId, userId))
		if (total >= MAX_WEBHOOKS_PER_USER) {
			throw new ConflictError(
				`You have ${MAX_WEBHOOKS_PER_USER} webhooks, the most allowed; delete one before adding another.`,
			)
		}
		const [row] = await tx
			.insert(webhooks)
			.values({
				userId,
				url,
				events,
				description: description || null,
				secretEncrypted: encryptSecret(secret),
			})
			.returning()
		return row!
	})
	return { webhook: presentWebhook(webhook), secret }
}

/** Refuses (422) a URL that is not https, or whose host is or resolves to a non-public address. */
async function checkWebhookUrl(raw: string) {
	const url = parseWebhookUrl(raw)
	try {
		await resolveWebhookHost(url)
	} catch (error) {
		if (error instanceof WebhookUrlRefusedError) throw error
		throw new WebhookUrlRefusedError(`the host name ${url.hostname} could not be resolved.`)
	}
}

export async function listWebhooks(userId: string) {
	return db
		.select()
		.from(webhooks)
		.where(eq(webhooks.userId, userId))
		.orderBy(webhooks.createdAt, webhooks.id)
}

/** The caller's webhook; another user's is indistinguishable from a missing one. */
export async function getOwnedWebhook(userId: string, webhookId: string): Promise<WebhookRow> {
	if (!isUuid(webhookId)) throw webhookNotFound()
	const [row] = await db
		.select()
		.from(webhooks)
		.where(and(eq(webhooks.id, webhookId), eq(webhooks.userId, userId)))
	if (!row) throw webhookNotFound()
	return row
}

const webhookNotFound = () => new NotFoundError('No webhook with this id.')

/** Removes the webhook and its delivery log; queued deliveries find nothing to send. */
export async function deleteWebhook(userId: string, webhookId: string) {
	if (!isUuid(webhookId)) throw webhookNotFound()
	const removed = await db
		.delete(webhooks)
		.where(and(eq(webhooks.id, webhookId), eq(webhooks.userId, userId)))
		.returning({ id: webhooks.id })
	if (removed.length === 0) throw webhookNotFound()
}

/** Queues a `webhook.test` event for this webhook alone; returns its delivery. */
export async function sendTestEvent(userId: string, webhookId: string): Promise<DeliveryRow> {
	const webhook = await getOwnedWebhook(userId, webhookId)
	const data = { webhookId: webhook.id, message: 'A test event from Darkroom.' }
	const [queued] = await db.execute<{ id: string }>(
		sql`select enqueue_webhook_event(${userId}::uuid, 'webhook.test', ${JSON.stringify(data)}::jsonb, ${webhook.id}::uuid) as id`,
	)
	const [delivery] = await db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.id, queued!.id))
	return delivery!
}

export const deliveriesQuerySchema = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(RECENT_DELIVERIES),
})

/** The webhook's latest deliveries, newest first. */
export async function listDeliveries(webhookId: string, limit = RECENT_DELIVERIES) {
	return db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.webhookId, webhookId))
		.orderBy(
			// `nulls last` as in the index (webhook_id, created_at desc nulls last).
			sql`${webhookDeliveries.createdAt} desc nulls last`,
			desc(webhookDeliveries.id),
		)
		.limit(limit)
}

export function presentWebhook(row: WebhookRow) {
	return {
		id: row.id,
		url: row.url,
		events: row.events,
		description: row.description,
		createdAt: row.createdAt.toISOString(),
	}
}

export function presentDelivery(row: DeliveryRow) {
	return {
		id: row.id,
		webhookId: row.webhookId,
		eventId: row.eventId,
		eventType: row.eventType,
		status: row.status,
		attempts: row.attempts,
		responseStatus: row.responseStatus,
		responseBody: row.responseBody,
		error: row.error,
		durationMs: row.durationMs,
		createdAt: row.createdAt.toISOString(),
		lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
		completedAt: row.completedAt?.toISOString() ?? null,
		payload: row.payload,
	}
}
