import { z } from 'zod'
import { imageListItemSchema } from '#app/images/schemas'
import { DEFAULT_SIMILAR, MAX_SIMILAR, MAX_VISUAL_DISTANCE, MIN_SIMILARITY } from './modes'

// What the API takes and answers about similar images, described once.

export const similarQuerySchema = z.object({
	limit: z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_SIMILAR)
		.default(DEFAULT_SIMILAR)
		.meta({
			param: {
				id: 'SimilarLimit',
				description: `At most this many images (1–${MAX_SIMILAR}, default ${DEFAULT_SIMILAR}); otherwise \`422\`.`,
			},
		}),
})

export const similarImagesSchema = z
	.object({
		items: z.array(imageListItemSchema).meta({ description: 'Most alike first.' }),
		basis: z
			.enum(['embedding', 'visual'])
			.nullable()
			.meta({
				description: `How they were found. \`embedding\`: the image's search embedding (its summary, tags, OCR
text and file name) against the others', cosine similarity at least ${MIN_SIMILARITY}. \`visual\`: the image has
no embedding (semantic search off, or not embedded yet), so its perceptual hash (\`phash\`) against the
others', at most ${MAX_VISUAL_DISTANCE} of 64 bits apart. \`null\`: it has neither yet; \`items\` is empty.`,
			}),
	})
	.meta({ id: 'SimilarImages' })
