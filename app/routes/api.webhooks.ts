import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseJsonBody } from '#app/http/input.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import {
	createWebhook,
	createWebhookSchema,
	listWebhooks,
	presentWebhook,
} from '#app/webhooks/webhooks.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await limitRequest(args, 'read', user.id)
	const rows = await listWebhooks(user.id)
	return json({ items: rows.map(presentWebhook) })
})

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'POST') throw new MethodNotAllowedError(['GET', 'POST'])
	const { user } = await requireApiUser(args, { scope: 'webhooks' })
	await limitRequest(args, 'process', user.id)
	const input = await parseJsonBody(args.request, createWebhookSchema)
	const created = await createWebhook(user.id, input)
	return json(created, {
		status: 201,
		headers: { Location: `/api/webhooks/${created.webhook.id}` },
	})
})
