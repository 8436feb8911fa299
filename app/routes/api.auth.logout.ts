import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { revokeSession } from '~/auth/sessions.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler } from '~/http/problem.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { sessionId } = await requireApiUser(args, { scope: 'any' })
	await revokeSession(sessionId)
	return new Response(null, { status: 204 })
})
