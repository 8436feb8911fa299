import { z } from 'zod'
import {
	addAlbumImages,
	createAlbum as createUserAlbum,
	deleteAlbum as deleteUserAlbum,
	getAlbum as getUserAlbum,
	listAlbums as listUserAlbums,
	removeAlbumImage as removeUserAlbumImage,
	reorderAlbum as reorderUserAlbum,
	updateAlbum as updateUserAlbum,
} from '#app/albums/albums.server'
import {
	addAlbumImagesSchema,
	albumDetailSchema,
	albumListSchema,
	createAlbumSchema,
	MAX_ALBUM_TITLE_LENGTH,
	MAX_IMAGES_PER_ADD,
	reorderAlbumSchema,
	updateAlbumSchema,
} from '#app/albums/schemas'
import { jsonContent, problem } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

// /api/albums: the caller's albums of their own images. Reading needs the
// `read` scope, changing them `write`; another user's album is a 404.

const albumId = z.uuid().meta({
	param: {
		id: 'AlbumId',
		description:
			"The album id. A value that is not a UUID, an unknown id and another user's album all answer `404`.",
	},
})

const imageId = z.uuid().meta({
	param: { id: 'AlbumImageId', description: 'An image of the album.' },
})

const notJson = problem('BadRequest', 'The body is not valid JSON.')

/** The album as it is after a change: what every write answers. */
const albumNow = async (userId: string, id: string) => json((await getUserAlbum(userId, id)).detail)

export const listAlbums = defineOperation({
	method: 'GET',
	path: '/api/albums',
	operationId: 'listAlbums',
	tag: 'Albums',
	summary: "List the caller's albums",
	description: 'Newest first, each with its number of images and its cover.',
	access: 'read',
	rateLimit: 'read',
	responses: { '200': { description: 'The albums.', content: jsonContent(albumListSchema) } },
	handler: async ({ auth }) => json({ items: await listUserAlbums(auth.user.id) }),
})

export const createAlbum = defineOperation({
	method: 'POST',
	path: '/api/albums',
	operationId: 'createAlbum',
	tag: 'Albums',
	summary: 'Create an album',
	description: `A title (1–${MAX_ALBUM_TITLE_LENGTH} characters) and, if you like, up to ${MAX_IMAGES_PER_ADD} of your images to put in it at once.`,
	access: 'write',
	rateLimit: 'process',
	body: createAlbumSchema,
	responses: {
		'201': { description: 'Created.', content: jsonContent(albumDetailSchema) },
		'400': notJson,
		'404': problem('NotFound', 'One of `imageIds` is not one of your images (or is in the trash).'),
		'422': problem('ValidationFailed'),
	},
	handler: async ({ auth, body }) => {
		const album = await createUserAlbum(auth.user.id, body)
		const { detail } = await getUserAlbum(auth.user.id, album.id)
		return json(detail, { status: 201, headers: { Location: `/api/albums/${album.id}` } })
	},
})

export const getAlbum = defineOperation({
	method: 'GET',
	path: '/api/albums/{id}',
	operationId: 'getAlbum',
	tag: 'Albums',
	summary: 'One album and its images, in order',
	description: 'Trashed images are left out, and come back in their place when restored.',
	access: 'read',
	rateLimit: 'read',
	params: z.object({ id: albumId }),
	responses: {
		'200': { description: 'The album.', content: jsonContent(albumDetailSchema) },
		'404': problem('AlbumNotFound'),
	},
	handler: ({ auth, params }) => albumNow(auth.user.id, params.id!),
})

export const updateAlbum = defineOperation({
	method: 'PATCH',
	path: '/api/albums/{id}',
	operationId: 'updateAlbum',
	tag: 'Albums',
	summary: 'Rename an album or choose its cover',
	description:
		'`title` renames it; `coverImageId` picks one of its images as the cover (the first in link previews), `null` goes back to its first image.',
	access: 'write',
	rateLimit: 'process',
	params: z.object({ id: albumId }),
	body: updateAlbumSchema,
	responses: {
		'200': { description: 'The album as it is now.', content: jsonContent(albumDetailSchema) },
		'400': notJson,
		'404': problem('AlbumNotFound'),
		'422': problem(
			'ValidationFailed',
			'An empty or too long `title`, or a cover not in the album.',
		),
	},
	handler: async ({ auth, params, body }) => {
		await updateUserAlbum(auth.user.id, params.id!, body)
		return albumNow(auth.user.id, params.id!)
	},
})

export const deleteAlbum = defineOperation({
	method: 'DELETE',
	path: '/api/albums/{id}',
	operationId: 'deleteAlbum',
	tag: 'Albums',
	summary: 'Delete an album',
	description: 'The images stay in your library; the links sharing the album stop working.',
	access: 'write',
	params: z.object({ id: albumId }),
	responses: { '204': { description: 'Deleted.' }, '404': problem('AlbumNotFound') },
	handler: async ({ auth, params }) => {
		await deleteUserAlbum(auth.user.id, params.id!)
		return new Response(null, { status: 204 })
	},
})

export const addImagesToAlbum = defineOperation({
	method: 'POST',
	path: '/api/albums/{id}/images',
	operationId: 'addImagesToAlbum',
	tag: 'Albums',
	summary: 'Add images to an album',
	description:
		'Your images go at the end, in the order given; those already in the album keep their place.',
	access: 'write',
	rateLimit: 'process',
	params: z.object({ id: albumId }),
	body: addAlbumImagesSchema,
	responses: {
		'200': { description: 'The album as it is now.', content: jsonContent(albumDetailSchema) },
		'400': notJson,
		'404': problem(
			'AlbumNotFound',
			'No such album, or one of `imageIds` is not one of your images.',
		),
		'422': problem('ValidationFailed'),
	},
	handler: async ({ auth, params, body }) => {
		await addAlbumImages(auth.user.id, params.id!, body.imageIds)
		return albumNow(auth.user.id, params.id!)
	},
})

export const removeImageFromAlbum = defineOperation({
	method: 'DELETE',
	path: '/api/albums/{id}/images/{imageId}',
	operationId: 'removeImageFromAlbum',
	tag: 'Albums',
	summary: 'Take an image out of an album',
	description: 'The image stays in your library. A removed cover falls back to the first image.',
	access: 'write',
	params: z.object({ id: albumId, imageId }),
	responses: {
		'204': { description: 'Removed.' },
		'404': problem('AlbumNotFound', 'No such album, or the image is not in it.'),
	},
	handler: async ({ auth, params }) => {
		await removeUserAlbumImage(auth.user.id, params.id!, params.imageId!)
		return new Response(null, { status: 204 })
	},
})

export const reorderAlbum = defineOperation({
	method: 'POST',
	path: '/api/albums/{id}/order',
	operationId: 'reorderAlbum',
	tag: 'Albums',
	summary: "Change the order of an album's images",
	description:
		'The images given take, in this order, the places they held between them; the others keep theirs. Send all of them to set the whole order.',
	access: 'write',
	rateLimit: 'process',
	params: z.object({ id: albumId }),
	body: reorderAlbumSchema,
	responses: {
		'200': { description: 'The album as it is now.', content: jsonContent(albumDetailSchema) },
		'400': notJson,
		'404': problem('AlbumNotFound', 'No such album, or one of `imageIds` is not in it.'),
		'422': problem('ValidationFailed'),
	},
	handler: async ({ auth, params, body }) => {
		await reorderUserAlbum(auth.user.id, params.id!, body.imageIds)
		return albumNow(auth.user.id, params.id!)
	},
})
