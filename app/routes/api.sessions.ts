import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { listSignIns } from '#app/auth/sessions.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'

// GET /api/sessions: where the user is signed in (browser sessions and API sign-in tokens).
export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user, sessionId } = await requireApiUser(args, { scope: 'tokens' })
	await limitRequest(args, 'read', user.id)
	return json({ items: await listSignIns(user.id, sessionId) })
})

export const action = methodNotAllowed(['GET'])
