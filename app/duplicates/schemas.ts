import { z } from 'zod'
import { timestamp } from '#app/auth/schemas'
import { MAX_FILENAME_BYTES } from '#app/images/filename'
import { SIGNED_URL_LIFETIME } from '#app/images/schemas'

// What GET /api/duplicates answers and POST /api/duplicates/resolve takes,
// and the settings of app/duplicates: the API, its document and the pages
// share them (no server-only import here, the pages' bundles include it).

/**
 * Two images whose perceptual hashes are at most this many bits apart (of
 * 64) are near-duplicates. Copies measured 0–5 bits apart, different photos
 * 21–38; each bit more costs the grouping query much more (decision 027).
 */
export const NEAR_DUPLICATE_THRESHOLD = 4

export const duplicateUploadPolicies = ['keep', 'refuse'] as const
export type DuplicateUploadPolicy = (typeof duplicateUploadPolicies)[number]

/** Groups one answer carries at most, largest first. */
export const MAX_GROUPS = 100
export const DEFAULT_GROUPS = 50
/** Images one resolve may move to the trash. */
export const MAX_RESOLVE_IDS = 500

export const duplicatesQuerySchema = z.object({
	limit: z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_GROUPS)
		.default(DEFAULT_GROUPS)
		.meta({ description: `Groups to answer, 1–${MAX_GROUPS}; the largest groups come first.` }),
})

const duplicateImageSchema = z.object({
	id: z.uuid(),
	filename: z.string().max(MAX_FILENAME_BYTES),
	width: z.int().min(1).meta({ description: 'Of the original, after auto-orientation.' }),
	height: z.int().min(1),
	byteSize: z.int().min(1).meta({ description: 'Of the original.' }),
	createdAt: timestamp,
	thumbnailUrl: z
		.url()
		.nullable()
		.meta({ description: `Signed URL of the thumbnail. ${SIGNED_URL_LIFETIME}` }),
	distance: z.int().min(0).max(64).meta({
		description:
			'Bits (of 64) by which its perceptual hash differs from the suggested keeper’s; 0 for the keeper and for identical pictures.',
	}),
	identical: z
		.boolean()
		.meta({ description: 'Another image of the group is the same file (equal SHA-256).' }),
})

export const duplicateGroupSchema = z
	.object({
		keep: z.uuid().meta({
			description:
				'The suggested image to keep: the most pixels, then the most bytes, then the oldest.',
		}),
		others: z.array(z.uuid()).min(1).meta({
			description: 'The rest of the group: what resolving as suggested moves to the trash.',
		}),
		images: z
			.array(duplicateImageSchema)
			.min(2)
			.meta({ description: 'The keeper first, then the others, oldest first.' }),
	})
	.meta({ id: 'DuplicateGroup' })

export const duplicateGroupsSchema = z
	.object({
		groups: z.array(duplicateGroupSchema),
		total: z.int().min(0).meta({ description: 'Groups found, of which `limit` are answered.' }),
		limit: z.int().min(1).max(MAX_GROUPS),
		threshold: z
			.int()
			.min(0)
			.max(64)
			.meta({
				description: `Images at most this many bits apart (of a 64-bit perceptual hash) are near-duplicates; ${NEAR_DUPLICATE_THRESHOLD} on this instance.`,
			}),
	})
	.meta({
		id: 'DuplicateGroups',
		description:
			'The caller’s images that look alike, in groups: completed, not in the trash, and either the same bytes or perceptual hashes at most `threshold` bits apart (linked transitively: if a is like b and b like c, all three are one group).',
	})

const resolutionSchema = z.object({
	keep: z.uuid().meta({ description: 'The image that stays.' }),
	delete: z
		.array(z.uuid())
		.min(1)
		.meta({ description: 'Images to move to the trash; must not include `keep`.' }),
})

export const resolveBodySchema = z
	.object({
		groups: z
			.array(resolutionSchema)
			.min(1)
			.max(MAX_GROUPS)
			.refine((groups) => groups.every((group) => !group.delete.includes(group.keep)), {
				error: '`delete` must not include `keep`',
			})
			.refine((groups) => groups.flatMap((group) => group.delete).length <= MAX_RESOLVE_IDS, {
				error: `at most ${MAX_RESOLVE_IDS} images to delete in one request`,
			}),
	})
	.meta({
		id: 'ResolveDuplicates',
		description:
			'For each group, the image to keep and those to move to the trash (the `keep` and `others` of a `DuplicateGroup` resolve it as suggested).',
	})

export const resolveResultSchema = z
	.object({
		deleted: z
			.array(z.uuid())
			.meta({ description: 'The images moved to the trash (restorable from the Trash).' }),
	})
	.meta({ id: 'ResolvedDuplicates' })

export type DuplicateGroup = z.input<typeof duplicateGroupSchema>
export type Resolution = z.output<typeof resolutionSchema>
