import { requireApiUser } from '~/auth/auth.server'
import { baseUrlOf, presentImage } from '~/images/present.server'
import { uploadImage } from '~/images/upload.server'
import { json } from './problem.server'

/** POST /api/images and its alias /api/images/upload: 202 with the image detail. */
export async function uploadResponse(request: Request, requestId: string) {
	const { user } = await requireApiUser(request)
	const { image, replayed } = await uploadImage({
		request,
		userId: user.id,
		idempotencyKey: request.headers.get('Idempotency-Key'),
		requestId,
	})
	return json(await presentImage(image, { baseUrl: baseUrlOf(request) }), {
		status: 202,
		headers: {
			Location: `/api/images/${image.id}`,
			...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
		},
	})
}
