import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { presentUser } from '~/auth/users.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler, json } from '~/http/problem.server'

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(request)
	return json({ user: presentUser(user) })
})

export const action = methodNotAllowed(['GET'])
