import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { presentUser } from '~/auth/users.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler, json } from '~/http/problem.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(args, { scope: 'any' })
	return json({ user: presentUser(user) })
})

export const action = methodNotAllowed(['GET'])
