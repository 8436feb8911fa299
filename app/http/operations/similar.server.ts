import { cacheableJson } from '#app/http/etag.server'
import { jsonContent, problem, SIGNING_UNAVAILABLE } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { baseUrlOf, currentSigningWindow, presentListItem } from '#app/images/present.server'
import { imageIdParamsSchema } from '#app/images/schemas'
import { similarImagesSchema, similarQuerySchema } from '#app/search/schemas'
import { similarImages } from '#app/search/similar.server'

export const listSimilarImages = defineOperation({
	method: 'GET',
	path: '/api/images/{id}/similar',
	operationId: 'listSimilarImages',
	tag: 'Images',
	summary: 'Images like this one',
	description: `"More like this": the images most like this one, by search embedding (meaning) or, without
one, by perceptual hash (looks); \`basis\` says which. For the caller's own image, among their own images; for
another account's image shared with the team, among that account's shared images. Never the trash. Another
user's private image is \`404\`.`,
	access: 'read',
	rateLimit: 'read',
	params: imageIdParamsSchema,
	query: similarQuerySchema,
	responses: {
		'200': { description: 'The similar images.', content: jsonContent(similarImagesSchema) },
		'404': problem('NotFound'),
		'422': problem('ValidationFailed', 'A bad `limit`.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, params, query, auth }) => {
		const { rows, basis } = await similarImages(auth.user, params.id!, query.limit)
		const signing = {
			baseUrl: baseUrlOf(request),
			window: currentSigningWindow(),
			viewerId: auth.user.id,
		}
		const items = await Promise.all(rows.map((row) => presentListItem(row, signing)))
		return cacheableJson(request, { items, basis })
	},
})
