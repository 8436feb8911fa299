import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { CronExpressionParser } from 'cron-parser'
import { z } from 'zod'
import { registrationModes } from '#app/auth/schemas'
import {
	InvalidRenditionOptions,
	MAX_RENDITION_SIZE,
	parseOptions,
	type RenditionRequest,
} from '#app/renditions/options'

// The only module that reads process.env. Everything is validated once, at
// start; a bad value stops the process with a message naming the variable.

const bool = z
	.enum(['true', 'false', '1', '0', 'yes', 'no'])
	.transform((v) => v === 'true' || v === '1' || v === 'yes')

const positiveInt = z.coerce.number().int().positive()

const rateLimit = z
	.string()
	.regex(/^\d+\/\d+s$/, 'must look like 60/60s (requests per seconds)')
	.transform((v) => {
		const [limit, seconds] = v.slice(0, -1).split('/').map(Number) as [number, number]
		return { limit, windowSeconds: seconds }
	})

/** A comma-separated list's entries, each trimmed (and `normalize`d), empty ones dropped. */
const splitList = (text: string, normalize = (entry: string) => entry) =>
	text
		.split(',')
		.map((entry) => normalize(entry.trim()))
		.filter(Boolean)

const commaList = (normalize?: (entry: string) => string) =>
	z.string().transform((v) => splitList(v, normalize))

const lowerCase = (entry: string) => entry.toLowerCase()

/** Five crontab fields of numbers, `*`, `,`, `-` and `/` (what graphile-worker's crontab reads), in UTC. */
const cronSchedule = z
	.string()
	.trim()
	.regex(
		/^[\d*,/-]+( +[\d*,/-]+){4}$/,
		'must be five crontab fields (minute hour day month weekday), e.g. 0 3 * * *',
	)
	.refine((text) => {
		try {
			CronExpressionParser.parse(text, { tz: 'UTC' })
			return true
		} catch {
			return false
		}
	}, 'is not a valid crontab time (minute hour day month weekday)')

/** Rendition widths: ascending, distinct, within MAX_RENDITION_SIZE. */
const widthLadder = z
	.string()
	.transform((text) => splitList(text).map(Number))
	.refine(
		(widths) => widths.length > 0 && widths.every((w) => Number.isInteger(w) && w > 0),
		'must be whole numbers of pixels, comma-separated',
	)
	.refine(
		(widths) => widths.every((w, i) => i === 0 || w > widths[i - 1]!),
		'must be in ascending order, each once',
	)
	.refine(
		(widths) => widths[widths.length - 1]! <= MAX_RENDITION_SIZE,
		`must be at most ${MAX_RENDITION_SIZE}`,
	)

const DEFAULT_PRESETS = {
	thumb: 'w_256,h_256,fit_cover,pos_attention',
	card: 'w_640,h_480,fit_cover,pos_attention',
	hero: 'w_1920',
}

/** JSON {"name": "w_640,fit_cover", ...}: each value parsed as rendition options, merged over the defaults. */
const renditionPresets = z.string().transform((text, ctx) => {
	let parsed: unknown
	try {
		parsed = JSON.parse(text)
	} catch {
		ctx.addIssue({ code: 'custom', message: 'must be JSON' })
		return z.NEVER
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		ctx.addIssue({ code: 'custom', message: 'must be a JSON object of name: options' })
		return z.NEVER
	}
	const presets: Record<string, RenditionRequest> = {}
	for (const [name, options] of Object.entries(parsed)) {
		if (!/^[a-z0-9-]{1,32}$/.test(name)) {
			ctx.addIssue({ code: 'custom', message: `"${name}": a name is 1–32 of a-z, 0-9 and -` })
			continue
		}
		try {
			if (typeof options !== 'string') throw new InvalidRenditionOptions('must be a string')
			presets[name] = parseOptions(options)
		} catch (error) {
			if (!(error instanceof InvalidRenditionOptions)) throw error
			ctx.addIssue({ code: 'custom', message: `"${name}": ${error.message}` })
		}
	}
	return presets
})

/** A directory, or s3://bucket/prefix. */
const backupTarget = z
	.string()
	.trim()
	.min(1)
	.refine(
		(text) =>
			!text.includes('://') || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(text),
		'must be a directory or s3://bucket/prefix',
	)

/** Names express's `trust proxy` knows for address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

const isAddressOrRange = (value: string) => {
	if (PROXY_RANGE_NAMES.has(value)) return true
	const [address = '', prefix, ...rest] = value.split('/')
	const family = isIP(address)
	if (!family || rest.length > 0) return false
	if (prefix === undefined) return true
	return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

/**
 * Which proxies may tell us the client's address, protocol and host
 * (X-Forwarded-*): none (false), the nearest n hops, or the listed addresses
 * and CIDR ranges. `true` (trust every hop) would let clients pick their own address.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
	const text = value.trim().toLowerCase()
	if (['false', 'no', '0', 'off'].includes(text)) return false
	if (/^\d+$/.test(text)) return Number(text)
	const entries = splitList(text)
	const bad = entries.filter((e) => !isAddressOrRange(e))
	if (entries.length === 0 || bad.length > 0) {
		ctx.addIssue({
			code: 'custom',
			message: `must be false, a hop count (1 for one proxy in front), or a comma-separated list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal${bad.length ? `; not understood: ${bad.join(', ')}` : ''}`,
		})
		return z.NEVER
	}
	return entries
})

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** https, or plain http to this machine only (a provider under test). */
function isSecureOrLocal(value: string) {
	// Not a URL at all is z.url()'s to report.
	if (!URL.canParse(value)) return true
	const url = new URL(value)
	return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))
}

/** `host` or `host:port`; IPv6 addresses in brackets, as in a Host header. */
const HOST_PATTERN =
	/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

const schema = z.object({
	NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
	HOST: z.string().min(1).default('0.0.0.0'),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** Public origin used to build absolute URLs; defaults to the request's own origin. */
	PUBLIC_URL: z.url().optional(),
	/**
	 * Comma-separated host names (with an optional :port) the server answers to
	 * in production, besides PUBLIC_URL's. Unset with PUBLIC_URL unset: this
	 * machine's own names and addresses only.
	 */
	ALLOWED_HOSTS: commaList(lowerCase)
		.pipe(
			z.array(
				z
					.string()
					.regex(HOST_PATTERN, 'each entry must be a host name or address, with an optional :port'),
			),
		)
		.optional(),
	/** Proxies in front of the web server whose X-Forwarded-* headers count; none by default. */
	TRUST_PROXY: trustProxy.optional(),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	DATA_DIR: z.string().min(1).default('.data'),
	/** Unset: an embedded PostgreSQL under DATA_DIR. */
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
		.optional(),
	DATABASE_POOL_SIZE: positiveInt.default(10),
	/** Signs cookies and local file URLs. Unset: generated once and kept in DATA_DIR. */
	SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
	/** The key SECRET_KEY replaced: still accepted (cookies, file URLs, webhook secrets) while rotating. */
	SECRET_KEY_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
	STORAGE_DRIVER: z.enum(['local', 's3']).optional(),
	S3_ENDPOINT: z.url().optional(),
	S3_REGION: z.string().min(1).default('us-east-1'),
	S3_BUCKET: z.string().min(1).optional(),
	S3_ACCESS_KEY_ID: z.string().min(1).optional(),
	S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
	S3_FORCE_PATH_STYLE: bool.optional(),
	MAX_UPLOAD_BYTES: positiveInt.default(25 * 1024 * 1024),
	/** Request bodies outside the upload routes (JSON, forms) larger than this are refused with 413. */
	MAX_BODY_BYTES: positiveInt.default(64 * 1024),
	MAX_INPUT_PIXELS: positiveInt.default(100_000_000),
	THUMBNAIL_MAX_SIZE: positiveInt.max(2048).default(256),
	OPTIMIZED_MAX_SIZE: positiveInt.max(8192).default(2048),
	SIGNED_URL_TTL: positiveInt.default(900),
	/**
	 * Signed URLs expire on a grid of this many seconds, so they stay identical
	 * (cacheable) within it. Default: 300, or half of SIGNED_URL_TTL when shorter.
	 */
	SIGNED_URL_WINDOW: z.coerce.number().int().min(0).optional(),
	SESSION_TTL_DAYS: positiveInt.default(30),
	WORKER_CONCURRENCY: positiveInt.max(64).default(2),
	JOB_MAX_ATTEMPTS: positiveInt.max(25).default(8),
	/** Default: `openai` when OPENAI_API_KEY or OPENAI_BASE_URL is set, else `none`. */
	AI_PROVIDER: z.enum(['openai', 'local', 'none']).optional(),
	OPENAI_API_KEY: z.string().min(1).optional(),
	/** Any OpenAI-compatible server: Ollama, vLLM, OpenRouter… */
	OPENAI_BASE_URL: z.url().optional(),
	OPENAI_MODEL: z.string().min(1).default('gpt-4.1-mini'),
	OPENAI_IMAGE_DETAIL: z.enum(['low', 'high', 'auto']).default('low'),
	/** `none` skips the moderation call and keeps the model's own assessment. */
	OPENAI_MODERATION_MODEL: z.string().min(1).default('omni-moderation-latest'),
	/** Semantic search (`/v1/embeddings`); `none` turns it off. Used with AI_PROVIDER=openai only. */
	OPENAI_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
	/** Sent as `dimensions` to text-embedding-3 models; 512 is the size pgvector's index is built for. */
	OPENAI_EMBEDDING_DIMENSIONS: positiveInt.min(16).max(4096).default(512),
	AI_IMAGE_MAX_SIZE: positiveInt.max(4096).default(1024),
	AI_MAX_ATTEMPTS: positiveInt.max(10).default(4),
	AI_TIMEOUT_MS: positiveInt.default(60_000),
	AI_CONCURRENCY: positiveInt.max(32).default(2),
	/** JSON: {"model": {"input": USD per 1M tokens, "output": USD per 1M tokens}}, merged over the defaults. */
	AI_PRICES: z
		.string()
		.transform((text, ctx) => {
			try {
				return JSON.parse(text) as unknown
			} catch {
				ctx.addIssue({ code: 'custom', message: 'must be JSON' })
				return z.NEVER
			}
		})
		.pipe(
			z.record(
				z.string(),
				z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
			),
		)
		.optional(),
	/** Delete images older than this many days (crontab); unset keeps them forever. */
	RETENTION_DAYS: positiveInt.optional(),
	/** Deleted images wait this many days in the trash (restorable); 0 deletes at once. */
	TRASH_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
	CLEANUP_BATCH_SIZE: positiveInt.max(10_000).default(500),
	/** Objects with no row are removed once they are this old (an upload in flight has no row yet). */
	ORPHAN_MIN_AGE_MINUTES: positiveInt.default(60),
	/** Widths a rendition snaps up to, so a client cannot mint endless cache keys. */
	RENDITION_WIDTHS: widthLadder.prefault(
		'64,128,256,384,512,640,768,1024,1280,1536,1920,2560,3200,3840,4096',
	),
	/** Named rendition options that unsigned URLs may ask for (on images shared by link). */
	RENDITION_PRESETS: renditionPresets.optional(),
	/** A rendition not requested for this many days is removed (made again when asked for). */
	RENDITION_CACHE_DAYS: positiveInt.max(3650).default(30),
	/** Stored renditions are kept under this many bytes in all, least recently requested removed first. */
	RENDITION_CACHE_MAX_BYTES: positiveInt.default(5 * 1024 ** 3),
	/** AVIF encoder effort, 0 (fastest) to 9; see docs/decisions/025-renditions.md for the cost. */
	RENDITION_AVIF_EFFORT: z.coerce.number().int().min(0).max(9).default(2),
	/**
	 * Comma-separated emails of accounts to make admins at start, if they exist
	 * by then. Registering one of these later never makes an admin.
	 */
	ADMIN_EMAILS: commaList(lowerCase).optional(),
	/**
	 * Who may create an account: anyone (`open`), invited people (`invite`) or
	 * nobody (`closed`); the first account of a fresh instance always may. Unset:
	 * the admin's setting (Admin → Settings), else REGISTRATION_DEFAULT.
	 */
	REGISTRATION: z.enum(registrationModes).optional(),
	/**
	 * The mode until an admin chooses one: `open` for a local trial; the
	 * container image and fly.toml set `invite`. Unlike REGISTRATION, the admin
	 * can change it from the browser.
	 */
	REGISTRATION_DEFAULT: z.enum(registrationModes).default('open'),
	/** Single sign-on (OpenID Connect): on when the issuer, client id and secret are all set. */
	OIDC_ISSUER: z
		.url()
		.refine(isSecureOrLocal, 'must be an https:// URL (http:// only for localhost or 127.0.0.1)')
		.optional(),
	OIDC_CLIENT_ID: z.string().min(1).optional(),
	OIDC_CLIENT_SECRET: z.string().min(1).optional(),
	/** The sign-in button says "Sign in with <OIDC_LABEL>". */
	OIDC_LABEL: z.string().trim().min(1).max(60).default('Single sign-on'),
	/** Comma-separated email domains that may sign in through the provider; unset: any. */
	OIDC_ALLOWED_DOMAINS: commaList((domain) => domain.toLowerCase().replace(/^@/, '')).optional(),
	/** Create an account on first sign-on even when the registration mode would refuse one. */
	OIDC_AUTO_REGISTER: bool.default(false),
	/** `false` hides the password form and refuses password sign-in; only with single sign-on on. */
	PASSWORD_LOGIN: bool.default(true),
	/** When backups run on their own: five crontab fields in UTC, e.g. `0 3 * * *`. Unset: only when asked. */
	BACKUP_SCHEDULE: cronSchedule.optional(),
	/** Where backups go: a directory, or s3://bucket/prefix through the S3_* endpoint and keys. Unset: DATA_DIR/backups. */
	BACKUP_TARGET: backupTarget.optional(),
	/** Complete archives kept in BACKUP_TARGET; older ones are removed after each successful run. */
	BACKUP_KEEP: positiveInt.max(1000).default(7),
	/** Whether archives hold the stored files too; `false` when the bucket keeps its own versions. */
	BACKUP_OBJECTS: bool.default(true),
	/** `<requests>/<seconds>s` per user (per IP before sign-in) and route class. */
	RATE_LIMIT_UPLOAD: rateLimit.prefault('60/60s'),
	RATE_LIMIT_PROCESS: rateLimit.prefault('60/60s'),
	RATE_LIMIT_READ: rateLimit.prefault('600/60s'),
	/** Sign-in attempts per email and IP: guessing is slowed without letting others lock an account. */
	RATE_LIMIT_LOGIN: rateLimit.prefault('10/900s'),
	/** Registrations per IP, every one counted: each account multiplies the per-user limits. */
	RATE_LIMIT_SIGNUP: rateLimit.prefault('10/3600s'),
	/** Everything from one IP, whoever is signed in: a ceiling against floods. */
	RATE_LIMIT_IP: rateLimit.prefault('1200/60s'),
	/** Renditions made (cache misses) per client address; hits are not counted. */
	RATE_LIMIT_RENDITION: rateLimit.prefault('120/60s'),
	/** Renditions made of one image, from all clients together. */
	RATE_LIMIT_RENDITION_IMAGE: rateLimit.prefault('60/60s'),
	RATE_LIMIT_ENABLED: bool.default(true),
	/**
	 * Uploads one user may have in flight at once (API and page alike, across
	 * web processes); one more is refused at once with 429. 0 turns the cap off,
	 * as RATE_LIMIT_ENABLED=false does.
	 */
	MAX_CONCURRENT_UPLOADS_PER_USER: z.coerce.number().int().min(0).max(1000).default(4),
	QUOTA_MAX_BYTES_PER_USER: positiveInt.optional(),
	QUOTA_MAX_IMAGES_PER_USER: positiveInt.optional(),
	/** Comma-separated origins allowed by CORS; none by default. */
	CORS_ORIGINS: commaList((origin) => origin.replace(/\/$/, '')).optional(),
	/** OTLP/HTTP collector base URL (e.g. http://localhost:4318); tracing is off when unset. */
	OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
	/** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
	METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
	/** The worker serves its own /metrics here (0 turns it off). */
	WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
	/** Where the worker's /metrics listens: loopback unless a scraper elsewhere needs it (then set METRICS_TOKEN). */
	WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
	/** Seconds a stopping process waits for running jobs and requests. */
	SHUTDOWN_GRACE_SECONDS: positiveInt.max(600).default(25),
	WORKER_HEARTBEAT_SECONDS: positiveInt.max(300).default(10),
	/** A worker silent this long is considered dead and its jobs are released. */
	WORKER_DEAD_AFTER_SECONDS: positiveInt.max(3600).default(30),
	/** Lets webhooks reach loopback, private and link-local addresses (a receiver on the same network). */
	WEBHOOK_ALLOW_PRIVATE_ADDRESSES: bool.default(false),
	/** Lets webhook URLs be plain http:// (development and tests). */
	WEBHOOK_ALLOW_HTTP: bool.default(false),
	/** Disable a webhook after this many deliveries in a row failed for good; 0 never does. */
	WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(0).default(5),
})

export type Env = z.input<typeof schema>

/** Every variable this module reads: deployment files may set these and no others. */
export const knownEnvNames = Object.keys(schema.shape) as Array<keyof Env>

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>) {
	// Treat empty strings as unset, as shells and .env files often produce them.
	const cleaned = Object.fromEntries(
		Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
	)
	const result = schema.safeParse(cleaned)
	if (!result.success) {
		const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
		throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
	}
	const values = result.data
	const storageDriver = values.STORAGE_DRIVER ?? (values.S3_BUCKET ? 's3' : 'local')
	if (storageDriver === 's3') {
		for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
			if (!values[name]) {
				throw new ConfigError(
					`Invalid configuration:\n  ${name}: required when STORAGE_DRIVER is s3`,
				)
			}
		}
	}
	if (values.AI_PROVIDER === 'openai' && !values.OPENAI_API_KEY && !values.OPENAI_BASE_URL) {
		throw new ConfigError(
			'Invalid configuration:\n  OPENAI_API_KEY: required when AI_PROVIDER is openai (or set OPENAI_BASE_URL for a local server)',
		)
	}
	if (values.WORKER_HEARTBEAT_SECONDS * 2 > values.WORKER_DEAD_AFTER_SECONDS) {
		throw new ConfigError(
			'Invalid configuration:\n  WORKER_DEAD_AFTER_SECONDS: must be at least twice WORKER_HEARTBEAT_SECONDS, or live workers look dead',
		)
	}
	const aiProvider =
		values.AI_PROVIDER ??
		(values.OPENAI_API_KEY || values.OPENAI_BASE_URL ? ('openai' as const) : ('none' as const))
	const signedUrlWindow =
		values.SIGNED_URL_WINDOW ?? Math.min(300, Math.floor(values.SIGNED_URL_TTL / 2))
	if (signedUrlWindow >= values.SIGNED_URL_TTL) {
		throw new ConfigError(
			'Invalid configuration:\n  SIGNED_URL_WINDOW: must be less than SIGNED_URL_TTL',
		)
	}
	// S3 refuses presigned URLs that live longer than 7 days.
	if (storageDriver === 's3' && values.SIGNED_URL_TTL + signedUrlWindow > 7 * 24 * 3600) {
		throw new ConfigError(
			'Invalid configuration:\n  SIGNED_URL_TTL: with SIGNED_URL_WINDOW at most 604800 seconds (7 days) for S3',
		)
	}
	const oidc = oidcSettings(values)
	if (!values.PASSWORD_LOGIN && !oidc) {
		throw new ConfigError(
			'Invalid configuration:\n  PASSWORD_LOGIN: may be false only when single sign-on is configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET), or nobody could sign in',
		)
	}
	const dataDir = path.resolve(values.DATA_DIR)
	const backupTarget = values.BACKUP_TARGET ?? path.join(dataDir, 'backups')
	if (
		backupTarget.startsWith('s3://') &&
		!(values.S3_ACCESS_KEY_ID && values.S3_SECRET_ACCESS_KEY)
	) {
		throw new ConfigError(
			'Invalid configuration:\n  BACKUP_TARGET: an s3:// target needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
		)
	}
	return {
		env: values.NODE_ENV,
		isProduction: values.NODE_ENV === 'production',
		host: values.HOST,
		port: values.PORT,
		publicUrl: values.PUBLIC_URL?.replace(/\/$/, ''),
		allowedHosts: values.ALLOWED_HOSTS ?? [],
		trustProxy: values.TRUST_PROXY ?? false,
		logLevel: values.LOG_LEVEL,
		dataDir,
		databaseUrl: values.DATABASE_URL,
		databasePoolSize: values.DATABASE_POOL_SIZE,
		secretKey: values.SECRET_KEY,
		previousSecretKey: values.SECRET_KEY_PREVIOUS,
		storage:
			storageDriver === 's3'
				? {
						driver: 's3' as const,
						endpoint: values.S3_ENDPOINT,
						region: values.S3_REGION,
						bucket: values.S3_BUCKET!,
						accessKeyId: values.S3_ACCESS_KEY_ID!,
						secretAccessKey: values.S3_SECRET_ACCESS_KEY!,
						// S3-compatible servers (MinIO, R2, s3rver) usually need path-style.
						forcePathStyle: values.S3_FORCE_PATH_STYLE ?? Boolean(values.S3_ENDPOINT),
					}
				: { driver: 'local' as const, root: path.join(dataDir, 'storage') },
		/** S3_* endpoint and credentials whatever the storage driver (an s3:// backup target uses them); undefined without credentials. */
		s3Access:
			values.S3_ACCESS_KEY_ID && values.S3_SECRET_ACCESS_KEY
				? {
						endpoint: values.S3_ENDPOINT,
						region: values.S3_REGION,
						accessKeyId: values.S3_ACCESS_KEY_ID,
						secretAccessKey: values.S3_SECRET_ACCESS_KEY,
						forcePathStyle: values.S3_FORCE_PATH_STYLE ?? Boolean(values.S3_ENDPOINT),
					}
				: undefined,
		maxUploadBytes: values.MAX_UPLOAD_BYTES,
		maxBodyBytes: values.MAX_BODY_BYTES,
		maxInputPixels: values.MAX_INPUT_PIXELS,
		thumbnailMaxSize: values.THUMBNAIL_MAX_SIZE,
		optimizedMaxSize: values.OPTIMIZED_MAX_SIZE,
		signedUrlTtlSeconds: values.SIGNED_URL_TTL,
		signedUrlWindowSeconds: signedUrlWindow,
		sessionTtlDays: values.SESSION_TTL_DAYS,
		workerConcurrency: values.WORKER_CONCURRENCY,
		jobMaxAttempts: values.JOB_MAX_ATTEMPTS,
		retentionDays: values.RETENTION_DAYS,
		trashDays: values.TRASH_DAYS,
		cleanupBatchSize: values.CLEANUP_BATCH_SIZE,
		orphanMinAgeMinutes: values.ORPHAN_MIN_AGE_MINUTES,
		renditions: {
			widths: values.RENDITION_WIDTHS,
			presets: { ...defaultPresets(), ...values.RENDITION_PRESETS },
			cacheDays: values.RENDITION_CACHE_DAYS,
			cacheMaxBytes: values.RENDITION_CACHE_MAX_BYTES,
			avifEffort: values.RENDITION_AVIF_EFFORT,
		},
		adminEmails: values.ADMIN_EMAILS ?? [],
		/** Undefined: the stored admin setting decides (app/auth/registration.server.ts). */
		registration: values.REGISTRATION,
		registrationDefault: values.REGISTRATION_DEFAULT,
		/** Null: single sign-on is off. */
		oidc,
		passwordLogin: values.PASSWORD_LOGIN,
		rateLimits: {
			enabled: values.RATE_LIMIT_ENABLED,
			upload: values.RATE_LIMIT_UPLOAD,
			process: values.RATE_LIMIT_PROCESS,
			read: values.RATE_LIMIT_READ,
			login: values.RATE_LIMIT_LOGIN,
			signup: values.RATE_LIMIT_SIGNUP,
			ip: values.RATE_LIMIT_IP,
			rendition: values.RATE_LIMIT_RENDITION,
			renditionImage: values.RATE_LIMIT_RENDITION_IMAGE,
		},
		/** Undefined: no cap (MAX_CONCURRENT_UPLOADS_PER_USER=0 or RATE_LIMIT_ENABLED=false). */
		maxConcurrentUploadsPerUser:
			values.RATE_LIMIT_ENABLED && values.MAX_CONCURRENT_UPLOADS_PER_USER > 0
				? values.MAX_CONCURRENT_UPLOADS_PER_USER
				: undefined,
		quotas: {
			maxBytesPerUser: values.QUOTA_MAX_BYTES_PER_USER,
			maxImagesPerUser: values.QUOTA_MAX_IMAGES_PER_USER,
		},
		backup: {
			/** Undefined: no scheduled runs; an admin or `npm run backup` still can. */
			schedule: values.BACKUP_SCHEDULE?.replace(/ +/g, ' '),
			/** A directory (made absolute) or s3://bucket/prefix. */
			target: backupTarget.startsWith('s3://') ? backupTarget : path.resolve(backupTarget),
			keep: values.BACKUP_KEEP,
			objects: values.BACKUP_OBJECTS,
		},
		corsOrigins: values.CORS_ORIGINS ?? [],
		otelEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, ''),
		metricsToken: values.METRICS_TOKEN,
		workerMetricsPort: values.WORKER_METRICS_PORT,
		workerMetricsHost: values.WORKER_METRICS_HOST,
		shutdownGraceSeconds: values.SHUTDOWN_GRACE_SECONDS,
		workerHeartbeatSeconds: values.WORKER_HEARTBEAT_SECONDS,
		workerDeadAfterSeconds: values.WORKER_DEAD_AFTER_SECONDS,
		webhooks: {
			allowPrivateAddresses: values.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
			allowHttp: values.WEBHOOK_ALLOW_HTTP,
			disableAfterFailures: values.WEBHOOK_DISABLE_AFTER_FAILURES,
		},
		ai: {
			provider: aiProvider,
			openai: {
				// OpenAI-compatible local servers usually need no key; the SDK insists on one.
				apiKey: values.OPENAI_API_KEY ?? 'not-needed',
				baseUrl: values.OPENAI_BASE_URL,
				model: values.OPENAI_MODEL,
				imageDetail: values.OPENAI_IMAGE_DETAIL,
				moderationModel:
					values.OPENAI_MODERATION_MODEL === 'none' ? null : values.OPENAI_MODERATION_MODEL,
			},
			/** Null when semantic search is off: no `openai` provider, or OPENAI_EMBEDDING_MODEL=none. */
			embeddings:
				aiProvider !== 'openai' || values.OPENAI_EMBEDDING_MODEL === 'none'
					? null
					: {
							model: values.OPENAI_EMBEDDING_MODEL,
							dimensions: values.OPENAI_EMBEDDING_DIMENSIONS,
						},
			imageMaxSize: values.AI_IMAGE_MAX_SIZE,
			maxAttempts: values.AI_MAX_ATTEMPTS,
			timeoutMs: values.AI_TIMEOUT_MS,
			concurrency: values.AI_CONCURRENCY,
			prices: values.AI_PRICES ?? {},
		},
	}
}

export type Config = ReturnType<typeof parseConfig>

function defaultPresets(): Record<string, RenditionRequest> {
	return Object.fromEntries(
		Object.entries(DEFAULT_PRESETS).map(([name, options]) => [name, parseOptions(options)]),
	)
}

const OIDC_REQUIRED = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const

/** Single sign-on's settings, null when it is off; a half-configured provider stops the process. */
function oidcSettings(values: z.output<typeof schema>) {
	const missing = OIDC_REQUIRED.filter((name) => !values[name])
	if (missing.length === OIDC_REQUIRED.length) return null
	if (missing.length > 0) {
		const set = OIDC_REQUIRED.filter((name) => values[name])
		const reason = `required for single sign-on when ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set`
		const lines = missing.map((name) => `  ${name}: ${reason}`)
		throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
	}
	return {
		issuer: values.OIDC_ISSUER!,
		clientId: values.OIDC_CLIENT_ID!,
		clientSecret: values.OIDC_CLIENT_SECRET!,
		label: values.OIDC_LABEL,
		allowedDomains: values.OIDC_ALLOWED_DOMAINS ?? [],
		autoRegister: values.OIDC_AUTO_REGISTER,
	}
}

function loadConfig(): Config {
	try {
		return parseConfig(process.env)
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(error.message)
			process.exit(1)
		}
		throw error
	}
}

export const config = loadConfig()

let secretKey: string | undefined
/** As SECRET_KEY: a shorter key (a file cut short, a typo) is never used. */
const MIN_SECRET_KEY_BYTES = 32

/**
 * The key that signs cookies and file URLs. Without SECRET_KEY it is created
 * once under DATA_DIR so sessions and links survive restarts and are shared
 * by the web and worker processes.
 */
export function getSecretKey(): string {
	if (secretKey) return secretKey
	if (config.secretKey) return (secretKey = config.secretKey)
	const file = secretKeyFile()
	try {
		secretKey = readSecretKeyFile(file) ?? createSecretKeyFile(file)
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error
		console.error(error.message)
		process.exit(1)
	}
	return secretKey
}

const secretKeyFile = () => path.join(config.dataDir, 'secret-key')

/** Whether a secret key is set or kept under DATA_DIR, without making one (a restore must not). */
export function hasSecretKey(): boolean {
	return Boolean(secretKey ?? config.secretKey) || fs.existsSync(secretKeyFile())
}

/** The key in the file, null if there is no file; a key too short to be safe stops the process. */
function readSecretKeyFile(file: string): string | null {
	let key: string
	try {
		key = fs.readFileSync(file, 'utf8').trim()
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
		throw error
	}
	if (Buffer.byteLength(key) < MIN_SECRET_KEY_BYTES) {
		throw new ConfigError(
			`Invalid configuration:\n  ${file}: the secret key in this file is ${Buffer.byteLength(key)} bytes, ` +
				`shorter than ${MIN_SECRET_KEY_BYTES}; delete the file to have a new key made (signed-in sessions and file links end), or set SECRET_KEY`,
		)
	}
	return key
}

/**
 * Writes a new key whole into a temporary file, then links it into place: a
 * process racing this one sees no file or the complete key, never a part of
 * it. A link, unlike a rename, fails when the file exists, so when several
 * processes start at once the first key wins and all of them read it.
 */
function createSecretKeyFile(file: string): string {
	fs.mkdirSync(path.dirname(file), { recursive: true })
	const created = randomBytes(32).toString('base64url')
	const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
	fs.writeFileSync(temporary, created, { flag: 'wx', mode: 0o600 })
	try {
		fs.linkSync(temporary, file)
		return created
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
		return readSecretKeyFile(file)!
	} finally {
		fs.rmSync(temporary, { force: true })
	}
}

/**
 * Every key a signature or ciphertext may have been made with: the current
 * one (which makes all new ones) first, then SECRET_KEY_PREVIOUS.
 */
export function getSecretKeys(): string[] {
	const current = getSecretKey()
	const previous = config.previousSecretKey
	return previous && previous !== current ? [current, previous] : [current]
}
