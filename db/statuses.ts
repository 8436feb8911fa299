// Plain values (no drizzle import) so the browser bundle can use them too.
export const imageStatuses = ['pending', 'processing', 'completed', 'failed'] as const
export const aiStatuses = ['pending', 'processing', 'completed', 'failed', 'skipped'] as const
export const overallStatuses = ['pending', 'processing', 'completed', 'partial', 'failed'] as const

export type ImageStatus = (typeof imageStatuses)[number]
export type AiStatus = (typeof aiStatuses)[number]
export type OverallStatus = (typeof overallStatuses)[number]

/** What a webhook can subscribe to; `webhook.test` is sent only on request. */
export const webhookEventTypes = ['image.completed', 'image.failed', 'image.deleted'] as const
export const webhookDeliveryStatuses = ['pending', 'retrying', 'succeeded', 'failed'] as const

export type WebhookEventType = (typeof webhookEventTypes)[number]
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number]

/**
 * What a personal API token may do: `read` images and usage; `write` upload,
 * process and delete images; `webhooks` manage webhooks; `tokens` manage
 * tokens and sessions. Sign-in sessions and tokens hold all of them.
 */
export const tokenScopes = ['read', 'write', 'webhooks', 'tokens'] as const

export type TokenScope = (typeof tokenScopes)[number]

/** `admin` manages the instance's accounts and settings; `member` is everyone else. */
export const userRoles = ['member', 'admin'] as const
export type UserRole = (typeof userRoles)[number]

/** `private`: only the owner sees the image; `team`: every member of the instance may view it. */
export const imageVisibilities = ['private', 'team'] as const
export type ImageVisibility = (typeof imageVisibilities)[number]

/** What the audit log records (app/admin/audit.server.ts). */
export const auditActions = [
	'auth.sign_in',
	'auth.sign_in_failed',
	'auth.sign_out',
	'auth.register',
	'auth.password_reset',
	'invite.create',
	'invite.revoke',
	'invite.use',
	'token.create',
	'token.revoke',
	'user.disable',
	'user.enable',
	'user.delete',
	'user.role',
	'user.quota',
	'user.password_reset_link',
	'settings.change',
	'image.visibility',
	'share_link.create',
	'share_link.revoke',
	'backup.start',
	'backfill.start',
	'backfill.cancel',
] as const
export type AuditAction = (typeof auditActions)[number]

/** A backup run (app/backup/runs.server.ts): under way, or how it ended. */
export const backupRunOutcomes = ['running', 'succeeded', 'failed'] as const
export type BackupRunOutcome = (typeof backupRunOutcomes)[number]

/** What started a backup run: BACKUP_SCHEDULE, an admin's "Back up now", or `npm run backup`. */
export const backupRunTriggers = ['schedule', 'admin', 'command'] as const
export type BackupRunTrigger = (typeof backupRunTriggers)[number]

/** What a backfill fills in for older images (app/backfill/runs.server.ts). */
export const backfillRunKinds = ['hashes', 'embeddings'] as const
export type BackfillKind = (typeof backfillRunKinds)[number]
export const backfillRunStatuses = ['running', 'completed', 'cancelled'] as const
export type BackfillRunStatus = (typeof backfillRunStatuses)[number]
