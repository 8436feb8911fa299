import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { presentDelivery, resendDelivery } from '#app/webhooks/webhooks.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'POST') throw new MethodNotAllowedError(['POST'])
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await limitRequest(args, 'process', user.id)
	const delivery = await resendDelivery(user.id, args.params.id!, args.params.deliveryId!)
	return json({ delivery: presentDelivery(delivery) }, { status: 202 })
})
