import { z } from 'zod'
import { timestamp } from '#app/auth/schemas'

// What the API takes and answers about albums, described once: the OpenAPI
// document is generated from these, the pages and operations parse with them.

export const MAX_ALBUM_TITLE_LENGTH = 200
/** Images added in one request, as the gallery's bulk actions allow. */
export const MAX_IMAGES_PER_ADD = 100

const title = z
	.string()
	.trim()
	.min(1, 'Give the album a title.')
	.max(MAX_ALBUM_TITLE_LENGTH)
	.meta({ examples: ['Summer 2026'] })

const imageIds = z
	.array(z.uuid())
	.min(1, 'Select at least one image first.')
	.max(MAX_IMAGES_PER_ADD, `Select at most ${MAX_IMAGES_PER_ADD} images at a time.`)

export const createAlbumSchema = z
	.object({ title, imageIds: imageIds.optional().meta({ description: 'Images to add at once.' }) })
	.meta({ id: 'CreateAlbumRequest' })

export const updateAlbumSchema = z
	.object({
		title: title.optional(),
		coverImageId: z.uuid().nullable().optional().meta({
			description: 'An image of the album; `null` goes back to the default, its first image.',
		}),
	})
	.meta({ id: 'UpdateAlbumRequest', description: 'The fields to change; those left out are kept.' })

export const addAlbumImagesSchema = z
	.object({
		imageIds: imageIds.meta({ description: 'Your images, added at the end in this order.' }),
	})
	.meta({ id: 'AddAlbumImagesRequest' })

export const reorderAlbumSchema = z
	.object({
		imageIds: z.array(z.uuid()).min(1).meta({
			description:
				"The album's images in their new order. Images of the album left out keep their place after these.",
		}),
	})
	.meta({ id: 'ReorderAlbumRequest' })

export const albumSchema = z
	.object({
		id: z.uuid(),
		title: z.string(),
		coverImageId: z.uuid().nullable().meta({
			description: 'The chosen cover, or the first image when none was chosen; null when empty.',
		}),
		imageCount: z
			.int()
			.min(0)
			.meta({ description: 'Images in the album, not counting trashed ones.' }),
		createdAt: timestamp,
		updatedAt: timestamp,
	})
	.meta({ id: 'Album' })

export const albumListSchema = z.object({ items: z.array(albumSchema) }).meta({ id: 'AlbumList' })

export const albumDetailSchema = albumSchema
	.extend({
		images: z
			.array(
				z.object({
					id: z.uuid(),
					filename: z.string(),
					position: z.int(),
					addedAt: timestamp,
				}),
			)
			.meta({ description: 'In album order; trashed images are left out until restored.' }),
	})
	.meta({ id: 'AlbumDetail' })

export type AlbumView = z.input<typeof albumSchema>
export type AlbumDetailView = z.input<typeof albumDetailSchema>
