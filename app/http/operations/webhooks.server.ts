import { z } from 'zod'
import {
	headerRef,
	jsonContent,
	problem,
	problemContent,
	problemType,
} from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import {
	createdWebhookSchema,
	deliveryListSchema,
	MAX_DELIVERIES_LISTED,
	MAX_WEBHOOK_DESCRIPTION_LENGTH,
	MAX_WEBHOOKS_PER_USER,
	RECENT_DELIVERIES,
	resentDeliverySchema,
	testWebhookResponseSchema,
	webhookDetailSchema,
	webhookListSchema,
	webhookResponseSchema,
} from '#app/webhooks/schemas'
import {
	createWebhook as createUserWebhook,
	createWebhookSchema,
	deleteWebhook as deleteUserWebhook,
	deliveriesQuerySchema,
	getOwnedWebhook,
	listDeliveries,
	listWebhooks as listUserWebhooks,
	presentDelivery,
	presentWebhook,
	resendDelivery,
	sendTestEvent,
	updateWebhook as updateUserWebhook,
	updateWebhookSchema,
} from '#app/webhooks/webhooks.server'

// /api/webhooks: a user's endpoints for events about their images, and the
// log of what was sent to them. Every operation needs the `webhooks` scope.

const webhookId = z.uuid().meta({
	param: {
		id: 'WebhookId',
		description:
			"The webhook id. A value that is not a UUID, an unknown id and another user's webhook all answer `404`.",
	},
})

const deliveryId = z.uuid().meta({
	param: {
		id: 'DeliveryId',
		description:
			"The delivery id, from the delivery log. A value that is not a UUID, an unknown id and another webhook's or user's delivery all answer `404`.",
	},
})

/** 422, with an example of a URL refused. */
const invalidWebhook = (description: string, refusal: string) => ({
	description,
	content: problemContent({
		type: problemType('validation'),
		title: 'Invalid input',
		status: 422,
		detail: `url: ${refusal}`,
		errors: [{ path: 'url', message: refusal }],
	}),
})

const notJson = problem('BadRequest', 'The body is not valid JSON.')

export const listWebhooks = defineOperation({
	method: 'GET',
	path: '/api/webhooks',
	operationId: 'listWebhooks',
	tag: 'Webhooks',
	summary: "List the caller's webhooks",
	description:
		'Oldest first. The signing secrets are not included: they are shown only on creation.',
	access: 'webhooks',
	rateLimit: 'read',
	responses: {
		'200': { description: 'The webhooks.', content: jsonContent(webhookListSchema) },
	},
	handler: async ({ auth }) => {
		const rows = await listUserWebhooks(auth.user.id)
		return json({ items: rows.map(presentWebhook) })
	},
})

export const createWebhook = defineOperation({
	method: 'POST',
	path: '/api/webhooks',
	operationId: 'createWebhook',
	tag: 'Webhooks',
	summary: 'Register a webhook',
	description: `Registers an endpoint to be called when the caller's images change; see "Webhooks"
above for the events, the payload, the signature and retries. The answer carries the signing
secret, **shown this once**: keep it to verify deliveries (delete the webhook and register it again
if it is lost).

The URL must be \`https://\` (plain \`http://\` only when \`WEBHOOK_ALLOW_HTTP\` is set), without a
user name or password, and its host must resolve, to public addresses only: loopback, private
(RFC 1918, \`fc00::/7\`), carrier-grade NAT (\`100.64.0.0/10\`), link-local, unspecified, multicast,
documentation and reserved ranges, also inside IPv4-mapped or NAT64 IPv6 addresses, answer \`422\`
naming the reason (unless \`WEBHOOK_ALLOW_PRIVATE_ADDRESSES\` is set). At most ${MAX_WEBHOOKS_PER_USER} webhooks per user.`,
	access: 'webhooks',
	rateLimit: 'process',
	body: createWebhookSchema,
	responses: {
		'201': {
			description: 'Created; `secret` is shown only now.',
			headers: { Location: headerRef('WebhookLocation') },
			content: jsonContent(createdWebhookSchema),
		},
		'400': notJson,
		'409': problem(
			'Conflict',
			`The caller already has ${MAX_WEBHOOKS_PER_USER} webhooks, the most allowed; delete one first.`,
		),
		'422': invalidWebhook(
			`Invalid input (\`validation\`): a missing or malformed \`url\`, unknown or empty \`events\`, a \`description\` over ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters; or a URL that may not be called (not https, credentials, a host that does not resolve or resolves to a non-public address), with the reason under path \`url\`.`,
			'localhost resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses.',
		),
	},
	handler: async ({ auth, body }) => {
		const created = await createUserWebhook(auth.user.id, body)
		return json(created, {
			status: 201,
			headers: { Location: `/api/webhooks/${created.webhook.id}` },
		})
	},
})

export const getWebhook = defineOperation({
	method: 'GET',
	path: '/api/webhooks/{id}',
	operationId: 'getWebhook',
	tag: 'Webhooks',
	summary: 'One webhook and its recent deliveries',
	description: `The webhook (without its secret) and its ${RECENT_DELIVERIES} latest deliveries, newest first.`,
	access: 'webhooks',
	rateLimit: 'read',
	params: z.object({ id: webhookId }),
	responses: {
		'200': { description: 'The webhook.', content: jsonContent(webhookDetailSchema) },
		'404': problem('WebhookNotFound'),
	},
	handler: async ({ auth, params }) => {
		const webhook = await getOwnedWebhook(auth.user.id, params.id!)
		const deliveries = await listDeliveries(webhook.id)
		return json({ webhook: presentWebhook(webhook), deliveries: deliveries.map(presentDelivery) })
	},
})

export const updateWebhook = defineOperation({
	method: 'PATCH',
	path: '/api/webhooks/{id}',
	operationId: 'updateWebhook',
	tag: 'Webhooks',
	summary: 'Edit, disable or enable a webhook',
	description: `Changes the fields given and keeps the others; an empty object changes nothing. The rules
are those of registration: a new \`url\` is checked the same way (\`https://\`, public addresses
only, unless configured otherwise) and a refused one answers \`422\` naming the reason under path
\`url\`. The signing secret stays the same.

- \`enabled: false\` disables the webhook: no events are recorded for it from then on, and deliveries
  still queued fail as not sent. A webhook already disabled keeps its \`disabledAt\` and
  \`disabledReason\`.
- \`enabled: true\` enables it again and clears \`disabledAt\`, \`disabledReason\` and the count of
  failed deliveries in a row; so does a new \`url\` for that count.
- \`description\`: \`null\` or \`""\` removes it.`,
	access: 'webhooks',
	rateLimit: 'process',
	params: z.object({ id: webhookId }),
	body: updateWebhookSchema,
	responses: {
		'200': {
			description: 'The webhook as it is now.',
			content: jsonContent(webhookResponseSchema),
		},
		'400': notJson,
		'404': problem('WebhookNotFound'),
		'422': invalidWebhook(
			`Invalid input (\`validation\`): a malformed \`url\`, unknown or empty \`events\`, a \`description\` over ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters, an \`enabled\` that is not a boolean; or a URL that may not be called, with the reason under path \`url\`. Nothing is changed.`,
			'10.0.0.7 is a private (RFC 1918) address; webhooks may only call public addresses.',
		),
	},
	handler: async ({ auth, params, body }) => {
		const webhook = await updateUserWebhook(auth.user.id, params.id!, body)
		return json({ webhook: presentWebhook(webhook) })
	},
})

export const deleteWebhook = defineOperation({
	method: 'DELETE',
	path: '/api/webhooks/{id}',
	operationId: 'deleteWebhook',
	tag: 'Webhooks',
	summary: 'Delete a webhook',
	description:
		'Removes the webhook and its delivery log. Deliveries still queued or waiting for a retry are not sent.',
	access: 'webhooks',
	params: z.object({ id: webhookId }),
	responses: {
		'204': { description: 'Deleted.' },
		'404': problem('WebhookNotFound'),
	},
	handler: async ({ auth, params }) => {
		await deleteUserWebhook(auth.user.id, params.id!)
		return new Response(null, { status: 204 })
	},
})

export const testWebhook = defineOperation({
	method: 'POST',
	path: '/api/webhooks/{id}/test',
	operationId: 'testWebhook',
	tag: 'Webhooks',
	summary: 'Send a test event',
	description:
		'Queues a `webhook.test` event for this webhook alone, whatever events it subscribes to, and answers with its delivery (`pending`). It is sent, signed and retried like any other event; follow it in the delivery log. No body is needed.',
	access: 'webhooks',
	rateLimit: 'process',
	params: z.object({ id: webhookId }),
	responses: {
		'202': { description: 'Queued.', content: jsonContent(testWebhookResponseSchema) },
		'404': problem('WebhookNotFound'),
		'409': problem('WebhookDisabled'),
	},
	handler: async ({ auth, params }) => {
		const delivery = await sendTestEvent(auth.user.id, params.id!)
		return json({ delivery: presentDelivery(delivery) }, { status: 202 })
	},
})

export const listWebhookDeliveries = defineOperation({
	method: 'GET',
	path: '/api/webhooks/{id}/deliveries',
	operationId: 'listWebhookDeliveries',
	tag: 'Webhooks',
	summary: "A webhook's recent deliveries",
	description: 'The latest deliveries of the webhook, newest first.',
	access: 'webhooks',
	rateLimit: 'read',
	params: z.object({ id: webhookId }),
	query: deliveriesQuerySchema,
	responses: {
		'200': { description: 'The deliveries.', content: jsonContent(deliveryListSchema) },
		'404': problem('WebhookNotFound'),
		'422': problem(
			'ValidationFailed',
			`\`limit\` is not an integer from 1 to ${MAX_DELIVERIES_LISTED}.`,
		),
	},
	handler: async ({ auth, params, query }) => {
		const webhook = await getOwnedWebhook(auth.user.id, params.id!)
		const deliveries = await listDeliveries(webhook.id, query.limit)
		return json({ items: deliveries.map(presentDelivery) })
	},
})

export const retryWebhookDelivery = defineOperation({
	method: 'POST',
	path: '/api/webhooks/{id}/deliveries/{deliveryId}/retry',
	operationId: 'retryWebhookDelivery',
	tag: 'Webhooks',
	summary: 'Send a delivery again',
	description:
		"Queues the event of one of the webhook's deliveries (whatever its status, typically `failed`) again, as a new delivery: the same event id (`webhook-id`, what receivers deduplicate on), type and payload, signed with the current secret and sent to the current URL, with retries like any delivery. Answers with the new delivery (`pending`); the old one stays in the log as it was. No body is needed.",
	access: 'webhooks',
	rateLimit: 'process',
	params: z.object({ id: webhookId, deliveryId }),
	responses: {
		'202': { description: 'Queued.', content: jsonContent(resentDeliverySchema) },
		'404': problem('WebhookDeliveryNotFound'),
		'409': problem('WebhookDisabled'),
	},
	handler: async ({ auth, params }) => {
		const delivery = await resendDelivery(auth.user.id, params.id!, params.deliveryId!)
		return json({ delivery: presentDelivery(delivery) }, { status: 202 })
	},
})
