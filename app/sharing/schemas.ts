import { z } from 'zod'
import { timestamp } from '#app/auth/schemas'

// What the API takes and answers about share links, described once: the
// OpenAPI document is generated from these and links.server.ts parses with them.

export const MAX_SHARE_PASSWORD_LENGTH = 200
/** Views listed with a link, newest first. */
export const RECENT_VIEWS = 20

export const shareLinkStates = ['live', 'expired', 'revoked'] as const

export const createShareLinkSchema = z
	.object({
		imageId: z.uuid().optional().meta({ description: 'One of your images; or give `albumId`.' }),
		albumId: z.uuid().optional().meta({ description: 'One of your albums; or give `imageId`.' }),
		expiresAt: z.iso
			.datetime()
			.nullable()
			.optional()
			.meta({ description: 'When the link stops working; left out or `null`: never.' }),
		password: z
			.string()
			.min(1)
			.max(MAX_SHARE_PASSWORD_LENGTH)
			.optional()
			.meta({ description: 'Visitors must type it first; kept only as an argon2 hash.' }),
		allowDownload: z
			.boolean()
			.default(false)
			.meta({ description: 'Whether visitors may download the original files.' }),
	})
	.refine((input) => (input.imageId === undefined) !== (input.albumId === undefined), {
		message: 'Give exactly one of imageId and albumId.',
		path: ['imageId'],
	})
	.refine((input) => !input.expiresAt || new Date(input.expiresAt) > new Date(), {
		message: 'must be in the future',
		path: ['expiresAt'],
	})
	.meta({
		id: 'CreateShareLinkRequest',
		example: { albumId: '4d1c2b7a-0e7f-4b8e-9d7a-2f6c1e0b9a33', expiresAt: '2026-12-31T23:59:59Z' },
	})

export type CreateShareLinkInput = z.output<typeof createShareLinkSchema>

export const shareLinkSchema = z
	.object({
		id: z.uuid(),
		url: z
			.url()
			.meta({ description: 'The public page: `/s/<token>`. Anyone with it may open it.' }),
		token: z.string().meta({ description: '32 characters, base64url: the capability.' }),
		imageId: z.uuid().nullable(),
		albumId: z.uuid().nullable(),
		state: z.enum(shareLinkStates).meta({
			description:
				'`live`: the page and its images answer; `expired` and `revoked`: the page answers `410` and the images `404`.',
		}),
		expiresAt: timestamp.nullable(),
		hasPassword: z.boolean(),
		allowDownload: z.boolean(),
		revokedAt: timestamp.nullable(),
		createdAt: timestamp,
		viewCount: z
			.int()
			.min(0)
			.meta({ description: 'Openings of the page (password forms not counted).' }),
	})
	.meta({ id: 'ShareLink' })

export const shareLinkListSchema = z
	.object({ items: z.array(shareLinkSchema) })
	.meta({ id: 'ShareLinkList' })

export const shareLinkViewSchema = z
	.object({
		viewedAt: timestamp,
		userAgent: z.string().nullable(),
		referrer: z
			.string()
			.nullable()
			.meta({
				description: "The referring page's origin only (never its path).",
				examples: ['https://chat.example'],
			}),
	})
	.meta({ id: 'ShareLinkView' })

export const shareLinkDetailSchema = z
	.object({
		link: shareLinkSchema,
		views: z
			.array(shareLinkViewSchema)
			.meta({ description: `The ${RECENT_VIEWS} latest, newest first.` }),
	})
	.meta({ id: 'ShareLinkDetail' })

export type ShareLinkView = z.input<typeof shareLinkSchema>
export type ShareLinkViewRow = z.input<typeof shareLinkViewSchema>
