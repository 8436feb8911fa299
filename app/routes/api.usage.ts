import type { LoaderFunctionArgs } from '@remix-run/node'
import { aiUsage } from '#app/ai/usage.server'
import { requireApiUser } from '#app/auth/auth.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const { user } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	return json(await aiUsage(user.id, new URL(request.url).searchParams))
})

export const action = methodNotAllowed(['GET'])
