import { z } from 'zod'
import { jsonContent, problem, SIGNING_UNAVAILABLE } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import { baseUrlOf, currentSigningWindow, presentImage } from '#app/images/present.server'
import { getOwnedImage } from '#app/images/queries.server'
import {
	imageDetailSchema,
	imageIdParamsSchema,
	SIGNED_URL_LIFETIME,
	trashListSchema,
} from '#app/images/schemas'
import * as trash from '#app/images/trash.server'

// Deleted images, restorable for TRASH_DAYS (app/images/trash.server.ts).

export const listTrash = defineOperation({
	method: 'GET',
	path: '/api/trash',
	operationId: 'listTrash',
	tag: 'Trash',
	summary: 'Images in the trash',
	description: `The caller's deleted images, most recently deleted first, each with \`deletedAt\` and
\`expiresAt\` (when the hourly purge removes it). Thumbnail URLs are signed for the trashed files. ${SIGNED_URL_LIFETIME}`,
	access: 'read',
	rateLimit: 'read',
	query: trash.trashQuerySchema,
	responses: {
		'200': { description: 'One page of the trash.', content: jsonContent(trashListSchema) },
		'422': problem('ValidationFailed', '`page` or `pageSize` out of range.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, query, auth }) => {
		const { rows, ...page } = await trash.listTrash(auth.user.id, query)
		const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
		const items = await Promise.all(rows.map((row) => trash.presentTrashItem(row, signing)))
		return json({ items, ...page })
	},
})

export const emptyTrash = defineOperation({
	method: 'DELETE',
	path: '/api/trash',
	operationId: 'emptyTrash',
	tag: 'Trash',
	summary: 'Empty the trash',
	description:
		"Removes every image in the caller's trash now, with all its stored objects. Objects storage cannot remove now are retried by the cleanup task.",
	access: 'write',
	rateLimit: 'process',
	responses: {
		'200': {
			description: 'How many images were removed.',
			content: jsonContent(z.object({ purged: z.int().min(0) })),
		},
	},
	handler: async ({ auth }) => json({ purged: await trash.emptyTrash(auth.user.id) }),
})

export const restoreImage = defineOperation({
	method: 'POST',
	path: '/api/trash/{id}/restore',
	operationId: 'restoreImage',
	tag: 'Trash',
	summary: 'Restore an image from the trash',
	description:
		'Moves the image and its files back; stages it had not finished are queued again. Answers the image detail, with new signed URLs.',
	access: 'write',
	rateLimit: 'process',
	params: imageIdParamsSchema,
	responses: {
		'200': { description: 'The restored image.', content: jsonContent(imageDetailSchema) },
		'404': problem('NotFound', "No image with this id in the caller's trash."),
		'503': problem('StorageUnavailable', 'Storage could not move the files; nothing changed.'),
	},
	handler: async ({ request, params, auth }) => {
		await trash.restoreImages(auth.user.id, [params.id!])
		const image = await getOwnedImage(auth.user.id, params.id!)
		return json(await presentImage(image, { baseUrl: baseUrlOf(request), viewerId: auth.user.id }))
	},
})
