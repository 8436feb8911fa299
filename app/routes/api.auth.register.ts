import type { ActionFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { clientOf, createSession } from '#app/auth/sessions.server'
import { throttleRegistration } from '#app/auth/throttle.server'
import { presentUser, registerUser } from '#app/auth/users.server'
import { apiHandler, json } from '#app/http/problem.server'
import { parseJsonBody } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const input = await parseJsonBody(args.request, z.unknown())
	const user = await throttleRegistration(args, () => registerUser(input))
	const session = await createSession(user.id, 'token', clientOf(args))
	return json(
		{ user: presentUser(user), token: session.token, expiresAt: session.expiresAt.toISOString() },
		{ status: 201 },
	)
})
