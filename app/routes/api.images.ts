import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { MethodNotAllowedError } from '~/errors'
import { apiHandler, json } from '~/http/problem.server'
import { baseUrlOf, presentImage, presentListItem } from '~/images/present.server'
import { listImages, parseListQuery } from '~/images/queries.server'
import { uploadImage } from '~/images/upload.server'

export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
	const { user } = await requireApiUser(request)
	const query = parseListQuery(new URL(request.url).searchParams)
	const { rows, ...page } = await listImages(user.id, query)
	const baseUrl = baseUrlOf(request)
	const items = await Promise.all(rows.map((row) => presentListItem(row, { baseUrl })))
	return json({ items, ...page })
})

export const action = apiHandler(async ({ request, context }: ActionFunctionArgs) => {
	if (request.method !== 'POST') {
		throw new MethodNotAllowedError(['GET', 'POST'])
	}
	const { user } = await requireApiUser(request)
	const { image, replayed } = await uploadImage({
		request,
		userId: user.id,
		idempotencyKey: request.headers.get('Idempotency-Key'),
		requestId: context.requestId,
	})
	return json(await presentImage(image, { baseUrl: baseUrlOf(request) }), {
		status: 202,
		headers: {
			Location: `/api/images/${image.id}`,
			...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
		},
	})
})
