import { z } from 'zod'
import { userRoles } from '#db/statuses'

// What the admin's user API takes and answers (docs/decisions/020-user-administration.md),
// described once: the OpenAPI document is generated from these.

/** The largest per-user quota an admin may set: 1 PiB, far above any disk. */
export const MAX_QUOTA_BYTES = 2 ** 50

const timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC.' })

export const adminUserSchema = z
	.object({
		id: z.uuid(),
		email: z.email(),
		role: z.enum(userRoles),
		createdAt: timestamp,
		disabledAt: z.iso
			.datetime()
			.nullable()
			.meta({ description: 'When an admin disabled the account; null while it is enabled.' }),
		quotaBytes: z
			.int()
			.min(0)
			.nullable()
			.meta({ description: 'Its own storage quota in bytes; null: `QUOTA_MAX_BYTES_PER_USER`.' }),
		images: z.int().min(0).meta({ description: 'Images it holds, not counting the trash.' }),
		bytesStored: z
			.int()
			.min(0)
			.meta({ description: 'Bytes of its originals, the trash included (what the quota counts).' }),
		aiCostUsdThisMonth: z.number().min(0).meta({
			description:
				'AI cost of its images analysed since the start of this UTC month (as `GET /api/usage` counts it).',
		}),
		lastActiveAt: z.iso.datetime().nullable().meta({
			description: 'The latest use (or start) of any of its sessions and tokens; null: none.',
		}),
	})
	.meta({ id: 'AdminUser' })

export const adminUserListSchema = z
	.object({ items: z.array(adminUserSchema) })
	.meta({ id: 'AdminUserList' })

export const adminUserPatchSchema = z
	.object({
		role: z.enum(userRoles, { error: `role must be one of ${userRoles.join(', ')}` }).optional(),
		disabled: z.boolean({ error: 'disabled must be true or false' }).optional(),
		quotaBytes: z
			.int({ error: 'quotaBytes must be a whole number of bytes or null' })
			.min(1, 'quotaBytes must be at least 1')
			.max(MAX_QUOTA_BYTES, `quotaBytes must be at most ${MAX_QUOTA_BYTES}`)
			.nullable()
			.optional()
			.meta({ description: 'Bytes; null clears it (back to `QUOTA_MAX_BYTES_PER_USER`).' }),
	})
	.meta({ id: 'AdminUserPatch' })

export type AdminUserPatch = z.output<typeof adminUserPatchSchema>

export const passwordResetLinkSchema = z
	.object({
		url: z.url().meta({ description: 'The link, shown this once: only its SHA-256 is stored.' }),
		expiresAt: timestamp,
	})
	.meta({ id: 'PasswordResetLink' })
