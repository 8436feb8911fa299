import type { ActionFunctionArgs } from '@remix-run/node'
import { requirePageUser } from '#app/auth/auth.server'
import { formAction, formValues } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'
import {
	createWebhook,
	createWebhookSchema,
	deleteWebhook,
	resendDelivery,
	sendTestEvent,
	updateWebhook,
	updateWebhookSchema,
} from '#app/webhooks/webhooks.server'
import {
	type WebhookAbout,
	type WebhookIntent,
	webhookIntents,
	type WebhookValues,
} from './results'

const isWebhookIntent = (value: unknown): value is WebhookIntent =>
	webhookIntents.includes(value as WebhookIntent)

const successMessages: Record<WebhookIntent, string> = {
	test: 'Test event queued: its delivery is in the log below.',
	enable: 'Webhook enabled: new events are delivered again.',
	disable: 'Webhook disabled: no events are recorded for it until you enable it.',
	edit: 'Webhook updated.',
	resend: 'Sent again as a new delivery.',
}

// The schema's own message names the event types; the form shows them as boxes.
const fieldMessages = { events: 'Choose at least one known event.' }

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const form = await args.request.formData()
	const intent = form.get('intent')
	const values: WebhookValues = formValues(form, ['url', 'description'], ['events'])
	if (isWebhookIntent(intent)) return webhookAction(args, user.id, intent, form, values)
	if (intent === 'delete') {
		return formAction({ about: { intent } }, async () => {
			await deleteWebhook(user.id, String(form.get('id') ?? ''))
			return { intent, message: 'Webhook deleted.' }
		})
	}
	return formAction({ about: { intent: 'create' as const }, values, fieldMessages }, async () => {
		await limitRequest(args, 'process', user.id)
		const input = parseInput(createWebhookSchema, {
			...values,
			description: values.description || undefined,
		})
		const { secret } = await createWebhook(user.id, input)
		return { intent: 'create' as const, secret, url: values.url }
	})
}

/** One webhook's test, enable, disable, edit or resend, with the same rules as the API. */
function webhookAction(
	args: ActionFunctionArgs,
	userId: string,
	intent: WebhookIntent,
	form: FormData,
	values: WebhookValues,
) {
	const webhookId = String(form.get('id') ?? '')
	const deliveryId = String(form.get('deliveryId') ?? '')
	const about: WebhookAbout = { intent, webhookId, ...(intent === 'resend' ? { deliveryId } : {}) }
	return formAction({ about, values, fieldMessages }, async () => {
		await limitRequest(args, 'process', userId)
		if (intent === 'test') await sendTestEvent(userId, webhookId)
		if (intent === 'enable' || intent === 'disable') {
			await updateWebhook(userId, webhookId, { enabled: intent === 'enable' })
		}
		if (intent === 'edit') {
			await updateWebhook(userId, webhookId, parseInput(updateWebhookSchema, values))
		}
		if (intent === 'resend') await resendDelivery(userId, webhookId, deliveryId)
		return { ...about, message: successMessages[intent] }
	})
}
