import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { parseJsonBody } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { processBodySchema, reprocessImages } from '#app/images/process.server'
import { getOwnedImage } from '#app/images/queries.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, params, context } = args
	const { user } = await requireApiUser(args, { scope: 'write' })
	await limitRequest(args, 'process', user.id)
	const { stages } = await parseJsonBody(request, processBodySchema, { optional: true })
	const image = await getOwnedImage(user.id, params.id!)
	const [updated] = await reprocessImages(user.id, [image.id], stages, context.requestId)
	return json(await presentImage(updated!, { baseUrl: baseUrlOf(request) }), { status: 202 })
})
