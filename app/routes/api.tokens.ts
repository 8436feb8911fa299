import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { apiTokenInputSchema, createApiToken, listApiTokens } from '#app/auth/api-tokens.server'
import { requireApiUser } from '#app/auth/auth.server'
import { clientOf } from '#app/auth/sessions.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseJsonBody } from '#app/http/input.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'tokens' })
	await limitRequest(args, 'read', user.id)
	return json({ items: await listApiTokens(user.id) })
})

// A personal token may make tokens only with the tokens scope, and only with scopes it holds.
export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request } = args
	if (request.method !== 'POST') throw new MethodNotAllowedError(['GET', 'POST'])
	const { user, scopes } = await requireApiUser(args, { scope: 'tokens' })
	await limitRequest(args, 'read', user.id)
	const input = await parseJsonBody(request, apiTokenInputSchema)
	const maker = { userId: user.id, scopes, client: clientOf(args) }
	return json(await createApiToken(maker, input), { status: 201 })
})
