import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { cacheableJson } from '#app/http/etag.server'
import { apiHandler } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { uploadResponse } from '#app/http/upload-response.server'
import { baseUrlOf, currentSigningWindow, presentListItem } from '#app/images/present.server'
import { listImages, parseListQuery } from '#app/images/queries.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const { user } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	const query = parseListQuery(new URL(request.url).searchParams)
	const { rows, ...page } = await listImages(user.id, query)
	const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
	const items = await Promise.all(rows.map((row) => presentListItem(row, signing)))
	return cacheableJson(request, { items, ...page })
})

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'POST') throw new MethodNotAllowedError(['GET', 'POST'])
	return uploadResponse(args)
})
