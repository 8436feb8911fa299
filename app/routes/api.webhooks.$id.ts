import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseJsonBody } from '#app/http/input.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import {
	deleteWebhook,
	getOwnedWebhook,
	listDeliveries,
	presentDelivery,
	presentWebhook,
	updateWebhook,
	updateWebhookSchema,
} from '#app/webhooks/webhooks.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await limitRequest(args, 'read', user.id)
	const webhook = await getOwnedWebhook(user.id, args.params.id!)
	const deliveries = await listDeliveries(webhook.id)
	return json({ webhook: presentWebhook(webhook), deliveries: deliveries.map(presentDelivery) })
})

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, params } = args
	if (request.method === 'PATCH') {
		const { user } = await requireApiUser(args, { scope: 'webhooks' })
		await limitRequest(args, 'process', user.id)
		const input = await parseJsonBody(request, updateWebhookSchema)
		const webhook = await updateWebhook(user.id, params.id!, input)
		return json({ webhook: presentWebhook(webhook) })
	}
	if (request.method !== 'DELETE') throw new MethodNotAllowedError(['GET', 'PATCH', 'DELETE'])
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await deleteWebhook(user.id, params.id!)
	return new Response(null, { status: 204 })
})
