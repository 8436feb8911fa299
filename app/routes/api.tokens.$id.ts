import type { ActionFunctionArgs } from '@remix-run/node'
import { revokeApiToken } from '#app/auth/api-tokens.server'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'

export const loader = methodNotAllowed(['DELETE'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'DELETE') throw new MethodNotAllowedError(['DELETE'])
	const { user } = await requireApiUser(args, { scope: 'tokens' })
	await revokeApiToken(user.id, args.params.id!)
	return new Response(null, { status: 204 })
})
