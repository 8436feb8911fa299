import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { parseSearchParams } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import {
	deliveriesQuerySchema,
	getOwnedWebhook,
	listDeliveries,
	presentDelivery,
} from '#app/webhooks/webhooks.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await limitRequest(args, 'read', user.id)
	const webhook = await getOwnedWebhook(user.id, args.params.id!)
	const { limit } = parseSearchParams(args.request, deliveriesQuerySchema)
	const deliveries = await listDeliveries(webhook.id, limit)
	return json({ items: deliveries.map(presentDelivery) })
})

export const action = methodNotAllowed(['GET'])
