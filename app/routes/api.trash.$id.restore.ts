import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { getOwnedImage } from '#app/images/queries.server'
import { restoreImages } from '#app/images/trash.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, params } = args
	const { user } = await requireApiUser(args, { scope: 'write' })
	await limitRequest(args, 'process', user.id)
	await restoreImages(user.id, [params.id!])
	const image = await getOwnedImage(user.id, params.id!)
	return json(await presentImage(image, { baseUrl: baseUrlOf(request) }))
})
