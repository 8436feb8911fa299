import { and, count, desc, eq, sql } from 'drizzle-orm'
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core'
import { z } from 'zod'
import { webhookDeliveries, webhookEventTypes, webhooks } from '#db/schema'
import { lockUser } from '#app/auth/users.server'
import { db } from '#app/db.server'
import { ConflictError, NotFoundError, WebhookUrlRefusedError } from '#app/errors'
import { isUuid } from '#app/validation'
import { parseWebhookUrl, resolveWebhookHost } from './address.server'
import { settleQueuedDeliveriesSoon } from './delivery.server'
import {
	MAX_DELIVERIES_LISTED,
	MAX_WEBHOOK_DESCRIPTION_LENGTH,
	MAX_WEBHOOK_URL_LENGTH,
	MAX_WEBHOOKS_PER_USER,
	RECENT_DELIVERIES,
	type webhookDeliverySchema,
	webhookEventTypeSchema,
	type webhookSchema,
} from './schemas'
import { encryptSecret, newWebhookSecret } from './secrets.server'

// Registering, listing and removing a user's webhooks, and reading their
// delivery log. The events themselves are enqueued by the database (see
// db/migrations/0007_webhook_events.sql, and 0016 for how a delivery's job is
// queued); deliveries run in the worker.

// The settings page imports these from here.
export { MAX_WEBHOOKS_PER_USER, RECENT_DELIVERIES }
const DISABLED_BY_OWNER = 'Disabled by its owner.'

export type WebhookRow = typeof webhooks.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

const urlField = z.string().trim().min(1).max(MAX_WEBHOOK_URL_LENGTH).meta({ format: 'uri' })
const eventsField = z
	.array(webhookEventTypeSchema)
	.min(1)
	.transform((events) => [...new Set(events)])
	.meta({ uniqueItems: true })
const descriptionField = z.string().trim().max(MAX_WEBHOOK_DESCRIPTION_LENGTH)

export const createWebhookSchema = z
	.object({
		url: urlField.meta({
			description: 'Where to POST events: `https://`, a public host.',
			examples: ['https://example.com/hooks/darkroom'],
		}),
		events: eventsField
			.default([...webhookEventTypes])
			.meta({ description: 'The events to receive. Default: all of them.' }),
		description: descriptionField.optional().meta({ description: 'A note for yourself.' }),
	})
	.meta({ id: 'CreateWebhookRequest' })

export type CreateWebhookInput = z.output<typeof createWebhookSchema>

/** PATCH: any of the fields; an empty or null description removes it. */
export const updateWebhookSchema = z
	.object({
		url: urlField
			.optional()
			.meta({ description: 'Where to POST events from now on: checked as at registration.' }),
		events: eventsField.optional().meta({ description: 'The events to receive from now on.' }),
		description: descriptionField
			.nullable()
			.optional()
			.meta({ description: '`null` or `""` removes it.' }),
		enabled: z.boolean().optional().meta({
			description:
				'`false` disables the webhook; `true` enables it again and clears why it was disabled.',
		}),
	})
	.meta({
		id: 'UpdateWebhookRequest',
		description: 'The fields to change; those left out are kept.',
		example: { description: 'Production receiver', enabled: true },
	})

export type UpdateWebhookInput = z.output<typeof updateWebhookSchema>

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
const deliveryNotFound = () => new NotFoundError('No delivery with this id for this webhook.')
const webhookDisabled = () => new ConflictError('This webhook is disabled; enable it first.')

/**
 * Changes what is given (input parsed with updateWebhookSchema) and answers
 * the webhook. A URL is checked as at registration. Disabling keeps an
 * earlier reason (and time); enabling clears them and the run of failures,
 * as does a new URL (another endpoint starts afresh).
 */
export async function updateWebhook(
	userId: string,
	webhookId: string,
	{ url, events, description, enabled }: UpdateWebhookInput,
): Promise<WebhookRow> {
	const current = await getOwnedWebhook(userId, webhookId)
	if (url !== undefined) await checkWebhookUrl(url)
	const changes: PgUpdateSetSource<typeof webhooks> = {}
	if (events !== undefined) changes.events = events
	if (description !== undefined) changes.description = description || null
	if (enabled === true) {
		changes.disabledAt = null
		changes.disabledReason = null
		changes.consecutiveFailures = sql`case when ${webhooks.disabledAt} is null then ${webhooks.consecutiveFailures} else 0 end`
	}
	if (enabled === false) {
		changes.disabledAt = sql`coalesce(${webhooks.disabledAt}, now())`
		changes.disabledReason = sql`case when ${webhooks.disabledAt} is null then ${DISABLED_BY_OWNER} else ${webhooks.disabledReason} end`
	}
	if (url !== undefined) {
		changes.url = url
		if (url !== current.url) changes.consecutiveFailures = 0
	}
	if (Object.keys(changes).length === 0) return current
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(webhooks)
			.set(changes)
			.where(and(eq(webhooks.id, current.id), eq(webhooks.userId, userId)))
			.returning()
		if (!row) throw webhookNotFound()
		if (enabled === false) await settleQueuedDeliveriesSoon(tx, row.id)
		return row
	})
}

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
	if (webhook.disabledAt) throw webhookDisabled()
	const data = { webhookId: webhook.id, message: 'A test event from Darkroom.' }
	const [queued] = await db.execute<{ id: string }>(
		sql`select enqueue_webhook_event(${userId}::uuid, 'webhook.test', ${JSON.stringify(data)}::jsonb, ${webhook.id}::uuid) as id`,
	)
	// Disabled since the check above: no delivery was recorded.
	if (!queued) throw webhookDisabled()
	const [delivery] = await db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.id, queued!.id))
	return delivery!
}

/**
 * Sends a delivery's event again as a new delivery: the same event id
 * (`webhook-id`, what receivers deduplicate on), type and payload.
 */
export async function resendDelivery(
	userId: string,
	webhookId: string,
	deliveryId: string,
): Promise<DeliveryRow> {
	const webhook = await getOwnedWebhook(userId, webhookId)
	if (!isUuid(deliveryId)) throw deliveryNotFound()
	const [original] = await db
		.select()
		.from(webhookDeliveries)
		.where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhook.id)))
	if (!original) throw deliveryNotFound()
	if (webhook.disabledAt) throw webhookDisabled()
	return db.transaction(async (tx) => {
		const [copy] = await tx
			.insert(webhookDeliveries)
			.values({
				webhookId: webhook.id,
				eventId: original.eventId,
				eventType: original.eventType,
				payload: original.payload,
			})
			.returning()
		// Queued as the database queues every delivery: its webhook's queue, its attempts.
		await tx.execute(sql`select enqueue_webhook_delivery(${copy!.id}::uuid, ${webhook.id}::uuid)`)
		return copy!
	})
}

export const deliveriesQuerySchema = z.object({
	limit: z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_DELIVERIES_LISTED)
		.default(RECENT_DELIVERIES)
		.meta({ param: { id: 'DeliveryLimit', description: 'How many deliveries, newest first.' } }),
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

export function presentWebhook(row: WebhookRow): z.input<typeof webhookSchema> {
	return {
		id: row.id,
		url: row.url,
		events: row.events,
		description: row.description,
		createdAt: row.createdAt.toISOString(),
		enabled: row.disabledAt === null,
		disabledAt: row.disabledAt?.toISOString() ?? null,
		disabledReason: row.disabledReason,
	}
}

export function presentDelivery(row: DeliveryRow): z.input<typeof webhookDeliverySchema> {
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
