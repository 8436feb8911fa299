// One error type per failure mode. Each knows its HTTP status once, here;
// app/http/problem.server.ts is the only place that turns them into responses.

export type FieldError = { path: string; message: string }

/** Every problem `type` slug (`https://darkroom.dev/problems/<slug>`); `internal` is the 500. */
export const problemSlugs = [
	'bad-request',
	'unauthorized',
	'forbidden',
	'insufficient-scope',
	'not-found',
	'gone',
	'method-not-allowed',
	'conflict',
	'duplicate-image',
	'payload-too-large',
	'unsupported-media-type',
	'cross-site-request',
	'quota-exceeded',
	'too-many-requests',
	'validation',
	'unprocessable-image',
	'storage-unavailable',
	'too-many-streams',
	'too-many-uploads-in-flight',
	'events-unavailable',
	'rendition-busy',
	'semantic-search-unavailable',
	'internal',
] as const
export type ProblemSlug = (typeof problemSlugs)[number]

export abstract class AppError extends Error {
	abstract readonly status: number
	abstract readonly title: string
	/** Slug for the problem `type` URI. */
	abstract readonly slug: ProblemSlug
	headers?: Record<string, string>
	errors?: FieldError[]
	/** RFC 9457 extension members the problem carries beside its standard ones. */
	extensions?: Record<string, string>
}

export class BadRequestError extends AppError {
	status = 400
	title = 'Bad request'
	readonly slug = 'bad-request'
}

export class UnauthorizedError extends AppError {
	status = 401
	title = 'Unauthorized'
	readonly slug = 'unauthorized'
	headers = { 'WWW-Authenticate': 'Bearer' }
}

/** Signed in, but not allowed to do this (e.g. an admin route). */
export class ForbiddenError extends AppError {
	status = 403
	title = 'Forbidden'
	readonly slug = 'forbidden'
}

/**
 * A valid token without the scope this request needs (RFC 6750's
 * insufficient_scope). The detail and the header name the missing scope.
 */
export class InsufficientScopeError extends AppError {
	status = 403
	title = 'Insufficient scope'
	readonly slug = 'insufficient-scope'
	constructor(
		readonly scope: string,
		detail = `This token does not have the "${scope}" scope, which this request needs. Make a token with it on Settings → API tokens (or POST /api/tokens).`,
	) {
		super(detail)
		this.headers = {
			'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
		}
	}
}

export class NotFoundError extends AppError {
	status = 404
	title = 'Not found'
	readonly slug = 'not-found'
}

/** It existed and is gone for good: a deleted image's URL, or one replaced by re-processing. */
export class GoneError extends AppError {
	status = 410
	title = 'Gone'
	readonly slug = 'gone'
}

export class MethodNotAllowedError extends AppError {
	status = 405
	title = 'Method not allowed'
	readonly slug = 'method-not-allowed'
	constructor(allowed: string[]) {
		super(`Allowed methods: ${allowed.join(', ')}.`)
		this.headers = { Allow: allowed.join(', ') }
	}
}

export class ConflictError extends AppError {
	status = 409
	title = 'Conflict'
	readonly slug = 'conflict'
}

/**
 * The owner already has an image with these exact bytes and the instance
 * refuses duplicate uploads (docs/decisions/027-duplicates.md). The problem
 * names the image it repeats, for clients to link to it.
 */
export class DuplicateImageError extends AppError {
	status = 409
	title = 'Duplicate image'
	readonly slug = 'duplicate-image'
	constructor(readonly duplicateOf: string) {
		super('You already have this image (the same file); this instance does not keep a second copy.')
		this.extensions = { duplicateOf, duplicateUrl: `/api/images/${duplicateOf}` }
	}
}

export class PayloadTooLargeError extends AppError {
	status = 413
	title = 'Payload too large'
	readonly slug = 'payload-too-large'
}

export class UnsupportedMediaTypeError extends AppError {
	status = 415
	title = 'Unsupported media type'
	readonly slug = 'unsupported-media-type'
}

/**
 * A cookie-authenticated unsafe request whose Origin (or Referer) is not this
 * site's own: what a cross-site request forgery looks like.
 */
export class CrossSiteRequestError extends AppError {
	status = 403
	title = 'Cross-site request refused'
	readonly slug = 'cross-site-request'
}

/**
 * The account holds as much as QUOTA_MAX_* allow. 403, not 413 (this file is
 * not too large by itself, and 413 invites shrinking it) nor 429 (waiting does
 * not help): the upload is refused until the user deletes images.
 */
export class QuotaExceededError extends AppError {
	status = 403
	title = 'Quota exceeded'
	readonly slug = 'quota-exceeded'
}

export type RateLimitState = {
	limit: number
	remaining: number
	/** Seconds until the current window ends and the count starts again. */
	resetSeconds: number
}

/** The headers that describe a rate limit window (IETF draft RateLimit header fields). */
export const rateLimitHeaders = (state: RateLimitState): Record<string, string> => ({
	'RateLimit-Limit': String(state.limit),
	'RateLimit-Remaining': String(Math.max(0, state.remaining)),
	'RateLimit-Reset': String(state.resetSeconds),
})

/** Over a rate limit: retry after the window ends. */
export class TooManyRequestsError extends AppError {
	status = 429
	title = 'Too many requests'
	readonly slug = 'too-many-requests'
	constructor(detail: string, state: RateLimitState) {
		super(detail)
		this.headers = {
			'Retry-After': String(state.resetSeconds),
			...rateLimitHeaders({ ...state, remaining: 0 }),
		}
	}
}

/** Input that parsed but is not acceptable; `errors` names each field. */
export class ValidationError extends AppError {
	status = 422
	title = 'Invalid input'
	readonly slug = 'validation'
	constructor(detail: string, errors: FieldError[]) {
		super(detail)
		this.errors = errors
	}
}

/** The bytes are an image type we accept, but it cannot be decoded or is too large. */
export class UnprocessableImageError extends AppError {
	status = 422
	title = 'Unprocessable image'
	readonly slug = 'unprocessable-image'
}

/** Object storage could not be reached: transient, retry later. */
export class StorageUnavailableError extends AppError {
	status = 503
	title = 'Storage unavailable'
	readonly slug = 'storage-unavailable'
	headers = { 'Retry-After': '5' }
}

/** A rendition being made elsewhere took longer than a request may wait. */
export class RenditionBusyError extends AppError {
	status = 503
	title = 'Rendition not ready'
	readonly slug = 'rendition-busy'
	headers = { 'Retry-After': '2' }
}

/** A stored object is missing. */
export class ObjectNotFoundError extends AppError {
	status = 404
	title = 'Not found'
	readonly slug = 'not-found'
	constructor(key: string) {
		super(`Stored object not found: ${key}`)
	}
}

/** The user already has as many live event streams open as one process allows. */
export class TooManyStreamsError extends AppError {
	status = 429
	title = 'Too many event streams'
	readonly slug = 'too-many-streams'
	headers = { 'Retry-After': '5' }
}

/**
 * The user already has MAX_CONCURRENT_UPLOADS_PER_USER uploads in flight:
 * refused before the body is read; one of them ends within seconds.
 */
export class TooManyUploadsInFlightError extends AppError {
	status = 429
	title = 'Too many uploads in flight'
	readonly slug = 'too-many-uploads-in-flight'
	headers = { 'Retry-After': '5' }
}

/** The live event feed cannot listen to the database right now: transient. */
export class EventsUnavailableError extends AppError {
	status = 503
	title = 'Live events unavailable'
	readonly slug = 'events-unavailable'
	headers = { 'Retry-After': '5' }
}

/** `mode=semantic` while the embeddings provider fails (hybrid falls back to words instead). */
export class SemanticSearchUnavailableError extends AppError {
	status = 503
	title = 'Semantic search unavailable'
	readonly slug = 'semantic-search-unavailable'
	headers = { 'Retry-After': '30' }
}

/**
 * A webhook URL that may not be called: not https (unless WEBHOOK_ALLOW_HTTP),
 * or its host is or resolves to a loopback, private or link-local address
 * (unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES). A 422 at registration; at delivery
 * time the delivery fails with this reason and is not retried.
 */
export class WebhookUrlRefusedError extends ValidationError {
	constructor(readonly reason: string) {
		super(`url: ${reason}`, [{ path: 'url', message: reason }])
	}
}
