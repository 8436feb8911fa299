import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { isSessionActive } from '#app/auth/sessions.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { imageEventStream } from '#app/images/events.server'

// GET /api/events: server-sent events of the caller's image changes.
export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const { user, sessionId } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	const body = await imageEventStream(user.id, request.signal, () => isSessionActive(sessionId))
	return new Response(body, {
		headers: {
			'Content-Type': 'text/event-stream; charset=utf-8',
			// no-transform also keeps compression() (server/web.ts) and proxies from buffering it.
			'Cache-Control': 'no-cache, no-transform',
			'X-Accel-Buffering': 'no',
		},
	})
})

export const action = methodNotAllowed(['GET'])
