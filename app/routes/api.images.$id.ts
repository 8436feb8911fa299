import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { cacheableJson } from '#app/http/etag.server'
import { apiHandler } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { getOwnedImage } from '#app/images/queries.server'
import { deleteImages } from '#app/images/trash.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request, params } = args
	const { user } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	const image = await getOwnedImage(user.id, params.id!)
	return cacheableJson(request, await presentImage(image, { baseUrl: baseUrlOf(request) }))
})

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, params } = args
	if (request.method !== 'DELETE') throw new MethodNotAllowedError(['GET', 'DELETE'])
	const { user } = await requireApiUser(args, { scope: 'write' })
	await deleteImages(user.id, [params.id!])
	return new Response(null, { status: 204 })
})
