import { sql } from 'drizzle-orm'
import {
	type AnyPgColumn,
	bigint,
	boolean,
	check,
	customType,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	real,
	text,
	timestamp,
	uniqueIndex,
	uuid,
} from 'drizzle-orm/pg-core'
import type { WebhookEvent } from '#app/webhooks/schemas'
import {
	aiStatuses,
	auditActions,
	backfillRunKinds,
	backfillRunStatuses,
	backupRunOutcomes,
	backupRunTriggers,
	imageStatuses,
	imageVisibilities,
	overallStatuses,
	tokenScopes,
	userRoles,
	webhookDeliveryStatuses,
	webhookEventTypes,
} from './statuses'

const timestamps = {
	createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}

export const users = pgTable(
	'users',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		// Stored lower-cased: emails compare case-insensitively.
		email: text('email').notNull(),
		/** Null for an account that signs in only through single sign-on. */
		passwordHash: text('password_hash'),
		/** Granted by `npm run admin`, to the first account of a fresh instance, by an invite or by another admin. */
		role: text('role', { enum: userRoles }).notNull().default('member'),
		/** Set while an admin has disabled the account: no sign-in, every session and token revoked. */
		disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
		/** An admin's storage limit for this account, in bytes; null uses QUOTA_MAX_BYTES_PER_USER. */
		quotaBytes: bigint('quota_bytes', { mode: 'number' }),
		/** Visibility of this account's new uploads unless the upload says otherwise. */
		defaultVisibility: text('default_visibility', { enum: imageVisibilities })
			.notNull()
			.default('private'),
		/** Failed sign-ins since the last success: past a few, each attempt waits longer (see app/auth/throttle.server.ts). */
		failedSignIns: integer('failed_sign_ins').notNull().default(0),
		/** No sign-in attempt for this account is checked before this time. */
		signInBlockedUntil: timestamp('sign_in_blocked_until', { withTimezone: true, mode: 'date' }),
		...timestamps,
	},
	(t) => [
		uniqueIndex('users_email_key').on(t.email),
		check('users_role_check', sql`${t.role} in ('member', 'admin')`),
	],
)

/** Browser sessions and API bearer tokens; only a SHA-256 of the secret is stored. */
export const sessions = pgTable(
	'sessions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		// cookie: a browser session; token: from POST /api/auth/login; personal: a
		// named API token made on the settings page or POST /api/tokens.
		kind: text('kind', { enum: ['cookie', 'token', 'personal'] }).notNull(),
		/** The owner's label for a personal token. */
		name: text('name'),
		tokenHash: text('token_hash').notNull(),
		/** What the row may do; every scope for sign-ins (and for tokens made before scopes). */
		scopes: text('scopes', { enum: tokenScopes })
			.array()
			.notNull()
			.default([...tokenScopes]),
		/** The client's User-Agent and address when it was made, refreshed with lastUsedAt. */
		userAgent: text('user_agent'),
		ip: text('ip'),
		...timestamps,
		/** Null only for a personal token made without an expiry. */
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
		revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
	},
	(t) => [
		uniqueIndex('sessions_token_hash_key').on(t.tokenHash),
		index('sessions_user_id_idx').on(t.userId),
		index('sessions_expires_at_idx').on(t.expiresAt),
	],
)

export * from './statuses'

export type StoredVariant = {
	key: string
	contentType: string
	byteSize: number
	width: number
	height: number
}

export type ImageMetadata = {
	format: string
	width: number
	height: number
	space: string | null
	hasAlpha: boolean
	orientation: number | null
	density: number | null
	pages: number
	exif: {
		make: string | null
		model: string | null
		lens: string | null
		takenAt: string | null
		exposureTime: number | null
		fNumber: number | null
		iso: number | null
		focalLength: number | null
	} | null
	gps: { latitude: number; longitude: number } | null
}

export type AiResult = {
	summary: string | null
	tags: string[]
	ocrText: string | null
	/** `source` says who judged: the moderation endpoint, the model itself, or nobody (local). */
	safety: { flagged: boolean; categories: string[]; source: 'moderation' | 'model' | 'none' }
	model: string
	inputTokens: number
	outputTokens: number
	costUsd: number
}

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

export const images = pgTable(
	'images',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		filename: text('filename').notNull(),
		contentType: text('content_type').notNull(),
		byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
		sha256: text('sha256').notNull(),
		width: integer('width').notNull(),
		height: integer('height').notNull(),
		format: text('format').notNull(),
		originalKey: text('original_key').notNull(),
		status: text('status', { enum: imageStatuses }).notNull().default('pending'),
		aiStatus: text('ai_status', { enum: aiStatuses }).notNull().default('pending'),
		// Derived in the database so the list can filter and index on it.
		overallStatus: text('overall_status', { enum: overallStatuses })
			.notNull()
			.generatedAlwaysAs(
				sql`case
					when status = 'failed' then 'failed'
					when status = 'completed' and ai_status in ('completed', 'skipped') then 'completed'
					when status = 'completed' and ai_status = 'failed' then 'partial'
					when status = 'pending' and ai_status = 'pending' then 'pending'
					else 'processing' end`,
			),
		error: text('error'),
		aiError: text('ai_error'),
		metadata: jsonb('metadata').$type<ImageMetadata>(),
		thumbnail: jsonb('thumbnail').$type<StoredVariant>(),
		/** ThumbHash (base64) of the image, shown blurred while the thumbnail loads. */
		placeholder: text('placeholder'),
		optimized: jsonb('optimized').$type<StoredVariant>(),
		ai: jsonb('ai').$type<AiResult>(),
		aiCompletedAt: timestamp('ai_completed_at', { withTimezone: true, mode: 'date' }),
		/** When the photo was taken (EXIF), copied from metadata so the list can filter and sort on it. */
		takenAt: timestamp('taken_at', { withTimezone: true, mode: 'date' }),
		// What `?q=` searches: file name (whole, and split at punctuation so
		// "IMG_2001" matches "IMG_2001.jpg"), summary, tags and OCR text. 'simple'
		// (no stemming) because OCR text comes in any language.
		search: tsvector('search').generatedAlwaysAs(
			sql`to_tsvector('simple',
				filename || ' ' || regexp_replace(filename, '[^[:alnum:]]+', ' ', 'g') || ' ' ||
				coalesce(ai->>'summary', '') || ' ' ||
				coalesce(ai->>'ocrText', '') || ' ' ||
				coalesce(ai->'tags', '[]'::jsonb)::text)`,
		),
		...timestamps,
		updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		processingStartedAt: timestamp('processing_started_at', { withTimezone: true, mode: 'date' }),
		processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }),
		/** Set while the image is in the trash (restorable until TRASH_DAYS after this). */
		deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
		/** `private`: its owner only; `team`: every member may view and download it. */
		visibility: text('visibility', { enum: imageVisibilities }).notNull().default('private'),
		/**
		 * Bumped when the image stage is asked to run again. Rendition URLs name
		 * it, so re-processing gives the image new URLs and the old ones die.
		 */
		version: integer('version').notNull().default(1),
		/**
		 * 64-bit perceptual hash of the auto-oriented pixels (set by the image
		 * stage); near-duplicates are a small Hamming distance apart.
		 */
		phash: bigint('phash', { mode: 'bigint' }),
		/** An earlier image of the same owner with the same sha256, when this upload repeated it. */
		duplicateOf: uuid('duplicate_of').references((): AnyPgColumn => images.id, {
			onDelete: 'set null',
		}),
	},
	(t) => [
		// Exact duplicates: the same bytes from the same owner.
		index('images_user_sha256_idx').on(t.userId, t.sha256),
		index('images_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
		// Retention sweeps every user's oldest images first.
		index('images_created_at_idx').on(t.createdAt),
		index('images_search_idx').using('gin', t.search),
		index('images_tags_idx').using('gin', sql`(${t.ai} -> 'tags')`),
		index('images_user_ai_completed_idx').on(t.userId, t.aiCompletedAt),
		// Sort and filter by date taken; images without one come last.
		index('images_user_taken_idx').on(t.userId, t.takenAt.desc().nullsLast(), t.id.desc()),
		// Partial and prefix name search: filename ILIKE '%term%' (pg_trgm).
		index('images_filename_trgm_idx').using('gin', t.filename.op('gin_trgm_ops')),
		index('images_user_overall_created_idx').on(
			t.userId,
			t.overallStatus,
			t.createdAt.desc(),
			t.id.desc(),
		),
		// The Team view lists shared images of every owner, newest first.
		index('images_team_created_idx')
			.on(t.createdAt.desc(), t.id.desc())
			.where(sql`${t.visibility} = 'team' and ${t.deletedAt} is null`),
		// The Trash page and the expiry purge read only trashed rows.
		index('images_deleted_at_idx')
			.on(t.deletedAt)
			.where(sql`${t.deletedAt} is not null`),
	],
)

/** A repeat upload with the same key by the same user within 24 h returns the same image. */
export const idempotencyKeys = pgTable(
	'idempotency_keys',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		key: text('key').notNull(),
		imageId: uuid('image_id')
			.notNull()
			.references(() => images.id, { onDelete: 'cascade' }),
		sha256: text('sha256').notNull(),
		...timestamps,
	},
	(t) => [
		primaryKey({ columns: [t.userId, t.key] }),
		index('idempotency_keys_created_at_idx').on(t.createdAt),
	],
)

/** Each worker runner's last sign of life; silent ones get their jobs released. */
export const workerHeartbeats = pgTable('worker_heartbeats', {
	workerId: text('worker_id').primaryKey(),
	hostname: text('hostname').notNull(),
	pid: integer('pid').notNull(),
	lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' })
		.notNull()
		.defaultNow(),
})

/** Objects whose removal failed (storage down during a delete): retried by the cleanup task. */
export const pendingDeletions = pgTable('pending_deletions', {
	key: text('key').primaryKey(),
	reason: text('reason').notNull(),
	attempts: integer('attempts').notNull().default(0),
	lastError: text('last_error'),
	...timestamps,
})

/** Fixed-window request counters, one row per key and window. */
export const rateLimits = pgTable(
	'rate_limits',
	{
		key: text('key').notNull(),
		windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
		count: integer('count').notNull().default(0),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.key, t.windowStart] }),
		index('rate_limits_expires_at_idx').on(t.expiresAt),
	],
)

/**
 * One row per upload in flight (MAX_CONCURRENT_UPLOADS_PER_USER), shared by
 * every web process. A live upload renews its row; a process that died
 * leaves one that expires (docs/decisions/013-fair-share-and-upload-admission.md).
 */
export const uploadSlots = pgTable(
	'upload_slots',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		...timestamps,
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
	},
	(t) => [index('upload_slots_user_id_idx').on(t.userId, t.expiresAt)],
)

/** A user's HTTPS endpoint and the events it receives (docs/decisions/006-webhooks.md). */
export const webhooks = pgTable(
	'webhooks',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		url: text('url').notNull(),
		events: text('events', { enum: webhookEventTypes }).array().notNull(),
		description: text('description'),
		/** The signing secret (whsec_…), AES-256-GCM encrypted with a key derived from SECRET_KEY. */
		secretEncrypted: text('secret_encrypted').notNull(),
		...timestamps,
		/** Set while disabled (by its owner, or after too many failed deliveries): no events are recorded. */
		disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
		disabledReason: text('disabled_reason'),
		/** Deliveries in a row that failed for good; a success resets it (WEBHOOK_DISABLE_AFTER_FAILURES). */
		consecutiveFailures: integer('consecutive_failures').notNull().default(0),
	},
	(t) => [index('webhooks_user_id_idx').on(t.userId, t.createdAt)],
)

/**
 * One event for one webhook: created in the transaction of the change that
 * caused it (a trigger on images), then sent by the deliver-webhook job.
 */
export const webhookDeliveries = pgTable(
	'webhook_deliveries',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		webhookId: uuid('webhook_id')
			.notNull()
			.references(() => webhooks.id, { onDelete: 'cascade' }),
		/** Shared by the deliveries of one event to several webhooks; the `webhook-id` header. */
		eventId: uuid('event_id').notNull(),
		eventType: text('event_type').notNull(),
		/** The body sent: `{ id, type, createdAt, data }`. */
		payload: jsonb('payload').$type<WebhookEvent>().notNull(),
		status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
		attempts: integer('attempts').notNull().default(0),
		responseStatus: integer('response_status'),
		/** The first 4 KiB of the endpoint's last answer, for the log. */
		responseBody: text('response_body'),
		error: text('error'),
		durationMs: integer('duration_ms'),
		...timestamps,
		lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
		completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
	},
	(t) => [
		index('webhook_deliveries_webhook_created_idx').on(t.webhookId, t.createdAt.desc()),
		index('webhook_deliveries_created_at_idx').on(t.createdAt),
	],
)

/**
 * Instance-wide settings an admin changes at run time, one row per key
 * (app/auth/registration.server.ts owns `registration`). An
 * environment variable of the same meaning wins over a stored value.
 */
export const instanceSettings = pgTable('instance_settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
})

/**
 * A link that lets people register (docs/decisions/019-registration-modes.md):
 * only a SHA-256 of its secret is stored, so it is shown once.
 */
export const invites = pgTable('invites', {
	id: uuid('id').primaryKey().defaultRandom(),
	tokenHash: text('token_hash').notNull().unique(),
	/** The role each account registered through it gets. */
	role: text('role', { enum: userRoles }).notNull().default('member'),
	/** How many accounts it may create. */
	maxUses: integer('max_uses').notNull().default(1),
	uses: integer('uses').notNull().default(0),
	/** The admin's note on who it is for. */
	note: text('note'),
	createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
	...timestamps,
	expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
	revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
})

/** A password-reset link an admin made for an account; single use, shown once. */
export const passwordResets = pgTable(
	'password_resets',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull().unique(),
		createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
		...timestamps,
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
		usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
	},
	(t) => [index('password_resets_user_id_idx').on(t.userId)],
)

/** An account's identity at the OpenID provider (OIDC_ISSUER): issuer and subject, as the provider names it. */
export const userIdentities = pgTable(
	'user_identities',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		issuer: text('issuer').notNull(),
		subject: text('subject').notNull(),
		/** The email the provider vouched for when the identity was linked. */
		email: text('email').notNull(),
		...timestamps,
		lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true, mode: 'date' }),
	},
	(t) => [
		uniqueIndex('user_identities_issuer_subject_key').on(t.issuer, t.subject),
		index('user_identities_user_id_idx').on(t.userId),
	],
)

/**
 * Who did what, when and from where: admin actions, sign-ins, invites used,
 * tokens and sharing (app/admin/audit.server.ts). The actor's email is copied
 * so the entry still reads after the account is deleted.
 */
export const auditLog = pgTable(
	'audit_log',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
		actorEmail: text('actor_email'),
		action: text('action', { enum: auditActions }).notNull(),
		/** What it acted on: `user`, `image`, `token`, `invite`, `settings`… and its id or email. */
		targetType: text('target_type'),
		targetId: text('target_id'),
		ip: text('ip'),
		details: jsonb('details').$type<Record<string, unknown>>(),
	},
	(t) => [
		index('audit_log_at_idx').on(t.at.desc(), t.id.desc()),
		index('audit_log_actor_idx').on(t.actorId, t.at.desc()),
	],
)

/**
 * Each backup run, scheduled or not (app/backup/runs.server.ts): the admin
 * page shows the last success and /metrics exposes its time for alerting.
 */
export const backupRuns = pgTable(
	'backup_runs',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		trigger: text('trigger', { enum: backupRunTriggers }).notNull(),
		outcome: text('outcome', { enum: backupRunOutcomes }).notNull().default('running'),
		/** BACKUP_TARGET as configured: a directory or s3://bucket/prefix, never credentials. */
		target: text('target').notNull(),
		startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
		/** Where the archive was written, and its name within the target. */
		location: text('location'),
		name: text('name'),
		bytes: bigint('bytes', { mode: 'number' }),
		durationMs: integer('duration_ms'),
		rows: bigint('rows', { mode: 'number' }),
		objects: integer('objects'),
		/** Older archives removed to keep BACKUP_KEEP. */
		pruned: integer('pruned'),
		error: text('error'),
	},
	(t) => [
		index('backup_runs_started_at_idx').on(t.startedAt.desc()),
		index('backup_runs_succeeded_idx')
			.on(t.finishedAt.desc())
			.where(sql`${t.outcome} = 'succeeded'`),
	],
)

/** A backfill of hashes or embeddings for older images; its per-image jobs carry its id in their keys. */
export const backfillRuns = pgTable(
	'backfill_runs',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		kind: text('kind', { enum: backfillRunKinds }).notNull(),
		status: text('status', { enum: backfillRunStatuses }).notNull().default('running'),
		requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
		/** Images that lacked it when the run started. */
		total: integer('total').notNull(),
		/** Per-image jobs queued so far, and the last image id queued (pages go by id). */
		queued: integer('queued').notNull().default(0),
		cursor: uuid('cursor'),
		queuedAll: boolean('queued_all').notNull().default(false),
		error: text('error'),
		createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
	},
	(t) => [
		// One running run per kind.
		uniqueIndex('backfill_runs_running_idx')
			.on(t.kind)
			.where(sql`${t.status} = 'running'`),
		index('backfill_runs_kind_created_idx').on(t.kind, t.createdAt.desc()),
	],
)

/**
 * Renditions made on request (app/renditions/): one row per stored file, keyed
 * by its storage key, which derives from the image, its version and the
 * options. A row with no `readyAt` is being rendered by whoever holds the
 * lease: concurrent misses in every process wait for it (single flight).
 * A cache: left out of backups, evicted by the renditions cron.
 */
export const renditions = pgTable(
	'renditions',
	{
		key: text('key').primaryKey(),
		imageId: uuid('image_id')
			.notNull()
			.references(() => images.id, { onDelete: 'cascade' }),
		contentType: text('content_type').notNull(),
		byteSize: integer('byte_size'),
		width: integer('width'),
		height: integer('height'),
		/** Until when the renderer's claim holds; a claim past it may be taken over. */
		leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
		readyAt: timestamp('ready_at', { withTimezone: true, mode: 'date' }),
		...timestamps,
		/** Refreshed at most hourly by hits; eviction goes by it. */
		lastRequestedAt: timestamp('last_requested_at', { withTimezone: true, mode: 'date' })
			.notNull()
			.defaultNow(),
	},
	(t) => [
		index('renditions_image_idx').on(t.imageId),
		index('renditions_last_requested_idx').on(t.lastRequestedAt),
	],
)

/** A user's album: an ordered set of their images, with an optional cover. */
export const albums = pgTable(
	'albums',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		title: text('title').notNull(),
		coverImageId: uuid('cover_image_id').references(() => images.id, { onDelete: 'set null' }),
		...timestamps,
		updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
	},
	(t) => [index('albums_user_created_idx').on(t.userId, t.createdAt.desc())],
)

export const albumImages = pgTable(
	'album_images',
	{
		albumId: uuid('album_id')
			.notNull()
			.references(() => albums.id, { onDelete: 'cascade' }),
		imageId: uuid('image_id')
			.notNull()
			.references(() => images.id, { onDelete: 'cascade' }),
		/** Order within the album, ascending. */
		position: integer('position').notNull(),
		addedAt: timestamp('added_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
	},
	(t) => [
		primaryKey({ columns: [t.albumId, t.imageId] }),
		index('album_images_album_position_idx').on(t.albumId, t.position),
		index('album_images_image_idx').on(t.imageId),
	],
)

/**
 * A public link to one image or one album: the token is the capability (kept
 * so its owner can copy the link again), with an optional expiry and password.
 * Revoking sets `revokedAt`; the public page and its renditions stop at once.
 */
export const shareLinks = pgTable(
	'share_links',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		token: text('token').notNull(),
		imageId: uuid('image_id').references(() => images.id, { onDelete: 'cascade' }),
		albumId: uuid('album_id').references(() => albums.id, { onDelete: 'cascade' }),
		expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
		passwordHash: text('password_hash'),
		allowDownload: boolean('allow_download').notNull().default(false),
		revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
		...timestamps,
	},
	(t) => [
		uniqueIndex('share_links_token_idx').on(t.token),
		index('share_links_user_created_idx').on(t.userId, t.createdAt.desc()),
		index('share_links_image_idx').on(t.imageId),
		index('share_links_album_idx').on(t.albumId),
		check('share_links_one_target', sql`(${t.imageId} is null) <> (${t.albumId} is null)`),
	],
)

/** One opening of a share link's page, for its owner's list of views. */
export const shareLinkViews = pgTable(
	'share_link_views',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		linkId: uuid('link_id')
			.notNull()
			.references(() => shareLinks.id, { onDelete: 'cascade' }),
		viewedAt: timestamp('viewed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
		userAgent: text('user_agent'),
		/** The referring page's origin only, never its path. */
		referrer: text('referrer'),
	},
	(t) => [index('share_link_views_link_viewed_idx').on(t.linkId, t.viewedAt.desc())],
)

// Semantic search (docs/decisions/028-semantic-search.md). Vectors are
// unit-length `real[]`; `signature` is their sign bits, which a Hamming
// distance (bit_count of the XOR, C speed) uses to pre-select candidates that
// the exact cosine then ranks. Where pgvector exists, migration 0022 adds an
// `embedding_vector vector(512)` column with an HNSW index beside them.

/** Bit strings of any length (the sign bits of an embedding), as '0101…' text. */
const varbit = customType<{ data: string }>({ dataType: () => 'bit varying' })

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' })

/** The search embedding of an image's text (summary, tags, OCR text, file name): one per image. */
export const imageEmbeddings = pgTable(
	'image_embeddings',
	{
		imageId: uuid('image_id')
			.primaryKey()
			.references(() => images.id, { onDelete: 'cascade' }),
		/** The image's owner, copied so one user's vectors are read without touching images. */
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		/** The embedding model and its output size: vectors of another model do not compare. */
		model: text('model').notNull(),
		dimensions: integer('dimensions').notNull(),
		/** SHA-256 of the embedded text: an unchanged text is not embedded again. */
		textHash: text('text_hash').notNull(),
		embedding: real('embedding').array().notNull(),
		signature: varbit('signature').notNull(),
		/**
		 * The vector as int8 with its scale (app/search/vectors.ts, quantize): what
		 * the fallback re-scores, an eighth of real[]'s bytes on the wire.
		 */
		quantized: bytea('quantized').notNull(),
		...timestamps,
	},
	(t) => [
		// Migration 0022 makes it covering, INCLUDE (signature, image_id), which drizzle
		// cannot say: the fallback's pre-selection is then an index-only scan (decision 028).
		index('image_embeddings_user_model_idx').on(t.userId, t.model, t.dimensions),
	],
)

/** Embeddings of search queries, so typing the same query again does not pay twice. */
export const queryEmbeddings = pgTable(
	'query_embeddings',
	{
		model: text('model').notNull(),
		dimensions: integer('dimensions').notNull(),
		textHash: text('text_hash').notNull(),
		embedding: real('embedding').array().notNull(),
		signature: varbit('signature').notNull(),
		...timestamps,
		usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
	},
	(t) => [
		primaryKey({ columns: [t.model, t.dimensions, t.textHash] }),
		index('query_embeddings_used_at_idx').on(t.usedAt),
	],
)

/** One embeddings call: tokens and cost, per user, for GET /api/usage. */
export const embeddingUsage = pgTable(
	'embedding_usage',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		/** `image`: an image's text (the worker); `query`: a search query (the web). */
		purpose: text('purpose', { enum: ['image', 'query'] }).notNull(),
		model: text('model').notNull(),
		inputTokens: integer('input_tokens').notNull(),
		costUsd: doublePrecision('cost_usd').notNull(),
		...timestamps,
	},
	(t) => [index('embedding_usage_user_created_idx').on(t.userId, t.createdAt)],
)
