import type { ActionFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { clientOf, createSession } from '#app/auth/sessions.server'
import { throttleSignIn } from '#app/auth/throttle.server'
import { presentUser, verifyLogin } from '#app/auth/users.server'
import { UnauthorizedError } from '#app/errors'
import { parseJsonBody } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'

const loginSchema = z.object({
	email: z.string({ error: 'Email is required' }).max(254),
	password: z.string({ error: 'Password is required' }).max(256),
})

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { email, password } = await parseJsonBody(args.request, loginSchema)
	const user = await throttleSignIn(args, email, () => verifyLogin(email, password))
	if (!user) throw new UnauthorizedError('Incorrect email or password.')
	const session = await createSession(user.id, 'token', clientOf(args))
	return json({
		user: presentUser(user),
		token: session.token,
		expiresAt: session.expiresAt.toISOString(),
	})
})
