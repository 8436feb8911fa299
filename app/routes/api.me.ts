import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { presentUser } from '#app/auth/users.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'any' })
	return json({ user: presentUser(user) })
})

export const action = methodNotAllowed(['GET'])
