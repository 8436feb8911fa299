import { z } from 'zod'
import { auditActions } from '#db/statuses'

// What the admin API answers about the audit log, described once: the
// OpenAPI document is generated from these, and the page shows the same.

export const AUDIT_PAGE_SIZE = 50
export const MAX_AUDIT_PAGE = 10_000

export const auditQuerySchema = z.object({
	page: z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_AUDIT_PAGE)
		.default(1)
		.meta({
			param: { id: 'AuditPage', description: '1-based page number; pages past the end are empty.' },
		}),
	action: z
		.union([z.literal(''), z.enum(auditActions)])
		.optional()
		.transform((action) => action || undefined)
		.meta({
			param: {
				id: 'AuditActionFilter',
				description: 'Only entries of this action. An empty value means every action.',
			},
		}),
})

export type AuditQuery = z.output<typeof auditQuerySchema>

export const auditEntrySchema = z
	.object({
		id: z.uuid(),
		at: z.iso.datetime(),
		action: z.enum(auditActions),
		actor: z.object({ id: z.uuid().nullable(), email: z.string() }).nullable().meta({
			description:
				'Who acted; `null` for someone not signed in (a failed sign-in). `id` is `null` once the account is deleted.',
		}),
		target: z
			.object({ type: z.string(), id: z.string() })
			.nullable()
			.meta({ description: 'What it acted on: a user, invite, token, image or setting.' }),
		ip: z.string().nullable().meta({ description: "The client's address." }),
		details: z.record(z.string(), z.unknown()).nullable(),
	})
	.meta({ id: 'AuditEntry' })

export type AuditEntryView = z.input<typeof auditEntrySchema>

export const auditListSchema = z
	.object({
		items: z.array(auditEntrySchema).meta({ description: 'Newest first.' }),
		page: z.int().min(1),
		pageSize: z.int().min(1),
		total: z.int().min(0),
		totalPages: z.int().min(0),
	})
	.meta({ id: 'AuditList' })
