import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { admitUpload } from '#app/images/upload-admission.server'
import { uploadImage } from '#app/images/upload.server'
import { json } from './problem.server'
import { limitRequest } from '#app/rate-limit.server'

/** POST /api/images and its alias /api/images/upload: 202 with the image detail. */
export async function uploadResponse(args: ActionFunctionArgs) {
	const { request, context } = args
	const { user } = await requireApiUser(args, { scope: 'write' })
	// Before the body is read: a refused upload costs no bandwidth or disk.
	await limitRequest(args, 'upload', user.id)
	const { image, replayed } = await admitUpload(user.id, () =>
		uploadImage({
			request,
			userId: user.id,
			idempotencyKey: request.headers.get('Idempotency-Key'),
			requestId: context.requestId,
		}),
	)
	return json(await presentImage(image, { baseUrl: baseUrlOf(request) }), {
		status: 202,
		headers: {
			Location: `/api/images/${image.id}`,
			...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
		},
	})
}
