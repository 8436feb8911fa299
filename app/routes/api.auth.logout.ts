import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { revokeSession } from '#app/auth/sessions.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { sessionId } = await requireApiUser(args, { scope: 'any' })
	await revokeSession(sessionId)
	return new Response(null, { status: 204 })
})
