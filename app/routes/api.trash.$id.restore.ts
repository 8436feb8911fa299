import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler, json } from '~/http/problem.server'
import { limitRequest } from '~/http/rate-limit.server'
import { baseUrlOf, presentImage } from '~/images/present.server'
import { getOwnedImage } from '~/images/queries.server'
import { restoreImages } from '~/images/trash.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, params } = args
	const { user } = await requireApiUser(args, { scope: 'write' })
	await limitRequest(args, 'process', user.id)
	await restoreImages(user.id, [params.id!])
	const image = await getOwnedImage(user.id, params.id!)
	return json(await presentImage(image, { baseUrl: baseUrlOf(request) }))
})
