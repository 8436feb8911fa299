import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiTokenInputSchema, createApiToken, listApiTokens } from '~/auth/api-tokens.server'
import { requireApiUser } from '~/auth/auth.server'
import { MethodNotAllowedError } from '~/errors'
import { parseJsonBody } from '~/http/input.server'
import { apiHandler, json } from '~/http/problem.server'
import { limitRequest } from '~/http/rate-limit.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args.request)
	await limitRequest(args, 'read', user.id)
	return json({ items: await listApiTokens(user.id) })
})

// Any credential of the user may make tokens, a personal token included.
export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request } = args
	if (request.method !== 'POST') throw new MethodNotAllowedError(['GET', 'POST'])
	const { user } = await requireApiUser(request)
	await limitRequest(args, 'read', user.id)
	const input = await parseJsonBody(request, apiTokenInputSchema)
	return json(await createApiToken(user.id, input), { status: 201 })
})
