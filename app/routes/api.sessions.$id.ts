import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { revokeSignIn } from '#app/auth/sessions.server'
import { MethodNotAllowedError } from '#app/errors'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'

export const loader = methodNotAllowed(['DELETE'])

// DELETE /api/sessions/{id}: signs that browser or API client out at once.
export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'DELETE') throw new MethodNotAllowedError(['DELETE'])
	const { user } = await requireApiUser(args, { scope: 'tokens' })
	await revokeSignIn(user.id, args.params.id!)
	return new Response(null, { status: 204 })
})
