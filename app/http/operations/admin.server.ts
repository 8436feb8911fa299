import { z } from 'zod'
import {
	MAX_RETENTION_DAYS,
	retentionDays,
	sweepBodySchema,
	sweepRetention as sweep,
} from '#app/admin/retention.server'
import { listAudit as list } from '#app/admin/audit.server'
import { auditListSchema, auditQuerySchema } from '#app/admin/schemas'
import { config } from '#app/config.server'
import { jsonContent, problem } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import { log } from '#app/log.server'

export const sweepRetention = defineOperation({
	method: 'POST',
	path: '/api/admin/retention/sweep',
	operationId: 'sweepRetention',
	tag: 'Operations',
	summary: 'Run the retention sweep now (admins)',
	description: `Deletes every image older than \`olderThanDays\` (default \`RETENTION_DAYS\`) with all its
files, in batches of \`CLEANUP_BATCH_SIZE\`, and answers how many were removed. The same sweep runs
from the worker's crontab when \`RETENTION_DAYS\` is set. Only admins may call it: the first account of
the instance, and accounts granted the role with \`npm run admin -- grant EMAIL\`.`,
	access: 'admin',
	body: sweepBodySchema,
	bodyOptional: true,
	responses: {
		'200': {
			description: 'The sweep ran; `removed` images are gone with their files.',
			content: jsonContent(z.object({ removed: z.int().min(0) })),
		},
		'400': problem('BadRequest'),
		'422': problem(
			'ValidationFailed',
			`Neither \`olderThanDays\` nor \`RETENTION_DAYS\` is set, or \`olderThanDays\` is not an integer from 1 to ${MAX_RETENTION_DAYS}.`,
		),
	},
	handler: async ({ auth, body }) => {
		const olderThanDays = retentionDays(body.olderThanDays)
		const { removed } = await sweep({ olderThanDays, batchSize: config.cleanupBatchSize })
		log.info({ admin: auth.user.id, olderThanDays, removed }, 'Retention sweep run by an admin')
		return json({ removed })
	},
})

export const listAudit = defineOperation({
	method: 'GET',
	path: '/api/admin/audit',
	operationId: 'listAudit',
	tag: 'Admin',
	summary: 'The audit log (admins)',
	description: `Who did what, when and from where, newest first, 50 entries a page: sign-ins (successful and
failed) and sign-outs, registrations, invites made, used and revoked, personal tokens made and revoked,
changes to accounts and instance settings, and sharing changes. Entries are kept when their actor's
account is deleted, with its email.`,
	access: 'admin',
	rateLimit: 'read',
	query: auditQuerySchema,
	responses: {
		'200': { description: 'One page of the log.', content: jsonContent(auditListSchema) },
		'422': problem('ValidationFailed', '`page` out of range, or an unknown `action`.'),
	},
	handler: async ({ query }) => json(await list(query)),
})
