import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { MethodNotAllowedError } from '~/errors'
import { apiHandler, json } from '~/http/problem.server'
import { limitRequest } from '~/http/rate-limit.server'
import {
	deleteWebhook,
	getOwnedWebhook,
	listDeliveries,
	presentDelivery,
	presentWebhook,
} from '~/webhooks/webhooks.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args.request)
	await limitRequest(args, 'read', user.id)
	const webhook = await getOwnedWebhook(user.id, args.params.id!)
	const deliveries = await listDeliveries(webhook.id)
	return json({ webhook: presentWebhook(webhook), deliveries: deliveries.map(presentDelivery) })
})

export const action = apiHandler(async ({ request, params }: ActionFunctionArgs) => {
	if (request.method !== 'DELETE') throw new MethodNotAllowedError(['GET', 'DELETE'])
	const { user } = await requireApiUser(request)
	await deleteWebhook(user.id, params.id!)
	return new Response(null, { status: 204 })
})
