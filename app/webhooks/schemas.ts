import { z } from 'zod'
import { webhookDeliveryStatuses, webhookEventTypes } from '#db/statuses'
import { timestamp } from '#app/auth/schemas'

// What the API answers about webhooks and what Darkroom sends to them,
// described once: the OpenAPI document is generated from these, the
// presenters return their types and deliveries send a WebhookEvent.
// The request schemas are in webhooks.server.ts, which parses with them.

export const MAX_WEBHOOKS_PER_USER = 10
export const MAX_WEBHOOK_URL_LENGTH = 2048
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 200
/** Deliveries shown with a webhook, and listed when no `limit` is given. */
export const RECENT_DELIVERIES = 20
export const MAX_DELIVERIES_LISTED = 100
/** As enqueue_webhook_delivery queues each delivery's job (db/migrations/0016). */
export const DELIVERY_MAX_ATTEMPTS = 8
/** How much of the endpoint's answer the delivery log keeps, in bytes. */
export const DELIVERY_RESPONSE_BODY_LIMIT = 4096

export const webhookEventTypeSchema = z.enum(webhookEventTypes).meta({
	id: 'WebhookEventType',
	description:
		'`image.completed`: the image reached `overallStatus` `completed` or `partial`; `image.failed`: it reached `failed`; `image.deleted`: it was deleted (by its owner or the retention sweep).',
})

const nullableTimestamp = (description?: string) =>
	z.iso
		.datetime()
		.nullable()
		.meta(description ? { description } : {})

export const webhookSchema = z
	.object({
		id: z.uuid(),
		url: z.url(),
		events: z.array(webhookEventTypeSchema),
		description: z.string().nullable(),
		createdAt: timestamp,
		enabled: z.boolean().meta({
			description:
				'False while disabled: no events are recorded for it, and queued deliveries are not sent.',
		}),
		disabledAt: nullableTimestamp('When it was disabled; null while enabled.'),
		disabledReason: z
			.string()
			.nullable()
			.meta({
				description:
					'Why: `Disabled by its owner.`, or `Disabled after 5 deliveries in a row failed; last error: …` (`WEBHOOK_DISABLE_AFTER_FAILURES`). Null while enabled.',
				examples: ['Disabled after 5 deliveries in a row failed; last error: Answered 503'],
			}),
	})
	.meta({ id: 'Webhook' })

export const webhookEventSchema = z
	.object({
		id: z.uuid().meta({ description: 'The event id, also sent as `webhook-id`.' }),
		type: z.string().meta({ examples: ['image.completed'] }),
		createdAt: timestamp,
		data: z.object({}).loose().meta({
			description:
				'For `image.*` events: `imageId`, `filename`, `status`, `aiStatus`, `overallStatus`, `error`, `aiError` as they were at that moment. For `webhook.test`: `webhookId` and `message`.',
		}),
	})
	.meta({
		id: 'WebhookEvent',
		description: 'The JSON body POSTed to the endpoint.',
		example: {
			id: '7f0c5c1e-2b8a-4f0e-9a57-3c1b8f0d2e11',
			type: 'image.completed',
			createdAt: '2026-01-31T12:00:00.000Z',
			data: {
				imageId: '0b7e4c1e-8f5d-4a53-9a41-2d1f0c6e9b10',
				filename: 'sunset.jpg',
				status: 'completed',
				aiStatus: 'completed',
				overallStatus: 'completed',
				error: null,
				aiError: null,
			},
		},
	})

/** The body of a delivery, as stored and sent (`{ id, type, createdAt, data }`). */
export type WebhookEvent = z.output<typeof webhookEventSchema>

export const webhookDeliverySchema = z
	.object({
		id: z.uuid(),
		webhookId: z.uuid(),
		eventId: z.uuid().meta({
			description:
				"The event: the body's `id` and the `webhook-id` header, the same on every retry and for every webhook that receives this event.",
		}),
		eventType: z.string().meta({
			description: 'A `WebhookEventType`, or `webhook.test`.',
			examples: ['image.completed'],
		}),
		status: z.enum(webhookDeliveryStatuses).meta({
			description: `\`pending\`: not tried yet; \`retrying\`: the last attempt failed and another is scheduled; \`succeeded\`: the endpoint answered 2xx; \`failed\`: ${DELIVERY_MAX_ATTEMPTS} attempts failed, the URL was refused (no retries), or the webhook was disabled before it was sent (\`Webhook disabled; not sent.\`).`,
		}),
		attempts: z.int().min(0).max(DELIVERY_MAX_ATTEMPTS),
		responseStatus: z
			.int()
			.nullable()
			.meta({ description: 'HTTP status of the last answer; null if there was none.' }),
		responseBody: z
			.string()
			.max(DELIVERY_RESPONSE_BODY_LIMIT)
			.nullable()
			.meta({
				description: `The first ${DELIVERY_RESPONSE_BODY_LIMIT / 1024} KiB of the last answer.`,
			}),
		error: z.string().nullable().meta({
			description:
				'Why the last attempt failed (`Answered 500`, `No answer within 10 s`, `Refused: …`); null after a success.',
		}),
		durationMs: z.int().min(0).nullable().meta({ description: 'Of the last attempt.' }),
		createdAt: timestamp.meta({ description: 'When the event happened.' }),
		lastAttemptAt: nullableTimestamp(),
		completedAt: nullableTimestamp('When it succeeded or finally failed.'),
		payload: webhookEventSchema,
	})
	.meta({
		id: 'WebhookDelivery',
		description:
			'One event sent (or being sent) to one webhook, with the outcome of its latest attempt.',
	})

export const webhookResponseSchema = z
	.object({ webhook: webhookSchema })
	.meta({ id: 'WebhookResponse' })

export const createdWebhookSchema = z
	.object({
		webhook: webhookSchema,
		secret: z
			.string()
			.regex(/^whsec_[A-Za-z0-9+/=]+$/)
			.meta({
				description:
					'The signing secret, Standard Webhooks style: `whsec_` + base64 of 24 random bytes; the HMAC key is the decoded bytes. Shown only in this answer.',
			}),
	})
	.meta({ id: 'CreatedWebhook' })

export const webhookListSchema = z
	.object({ items: z.array(webhookSchema).max(MAX_WEBHOOKS_PER_USER) })
	.meta({ id: 'WebhookList' })

export const webhookDetailSchema = z
	.object({
		webhook: webhookSchema,
		deliveries: z
			.array(webhookDeliverySchema)
			.max(RECENT_DELIVERIES)
			.meta({ description: `The ${RECENT_DELIVERIES} latest, newest first.` }),
	})
	.meta({ id: 'WebhookDetail' })

export const deliveryListSchema = z
	.object({ items: z.array(webhookDeliverySchema) })
	.meta({ id: 'DeliveryList' })

export const testWebhookResponseSchema = z
	.object({ delivery: webhookDeliverySchema })
	.meta({ id: 'TestWebhookResponse' })

export const resentDeliverySchema = z
	.object({
		delivery: webhookDeliverySchema.meta({
			description: 'The new delivery, with the `eventId` and `payload` of the one resent.',
		}),
	})
	.meta({ id: 'ResentDelivery' })
