// One error type per failure mode. Each knows its HTTP status once, here;
// app/http/problem.server.ts is the only place that turns them into responses.

export type FieldError = { path: string; message: string }

export abstract class AppError extends Error {
	abstract readonly status: number
	abstract readonly title: string
	/** Slug for the problem `type` URI. */
	abstract readonly slug: string
	headers?: Record<string, string>
	errors?: FieldError[]
}

export class BadRequestError extends AppError {
	status = 400
	title = 'Bad request'
	slug = 'bad-request'
}

export class UnauthorizedError extends AppError {
	status = 401
	title = 'Unauthorized'
	slug = 'unauthorized'
	headers = { 'WWW-Authenticate': 'Bearer' }
}

export class NotFoundError extends AppError {
	status = 404
	title = 'Not found'
	slug = 'not-found'
}

export class MethodNotAllowedError extends AppError {
	status = 405
	title = 'Method not allowed'
	slug = 'method-not-allowed'
	constructor(allowed: string[]) {
		super(`Allowed methods: ${allowed.join(', ')}.`)
		this.headers = { Allow: allowed.join(', ') }
	}
}

export class ConflictError extends AppError {
	status = 409
	title = 'Conflict'
	slug = 'conflict'
}

export class PayloadTooLargeError extends AppError {
	status = 413
	title = 'Payload too large'
	slug = 'payload-too-large'
	// Close after answering, so a client still sending a huge body can stop.
	headers = { Connection: 'close' }
}

export class UnsupportedMediaTypeError extends AppError {
	status = 415
	title = 'Unsupported media type'
	slug = 'unsupported-media-type'
}

/** Input that parsed but is not acceptable; `errors` names each field. */
export class ValidationError extends AppError {
	status = 422
	title = 'Invalid input'
	slug = 'validation'
	constructor(detail: string, errors: FieldError[]) {
		super(detail)
		this.errors = errors
	}
}

/** The bytes are an image type we accept, but it cannot be decoded or is too large. */
export class UnprocessableImageError extends AppError {
	status = 422
	title = 'Unprocessable image'
	slug = 'unprocessable-image'
}

/** Object storage could not be reached: transient, retry later. */
export class StorageUnavailableError extends AppError {
	status = 503
	title = 'Storage unavailable'
	slug = 'storage-unavailable'
	headers = { 'Retry-After': '5' }
}

/** A stored object is missing. */
export class ObjectNotFoundError extends AppError {
	status = 404
	title = 'Not found'
	slug = 'not-found'
	constructor(key: string) {
		super(`Stored object not found: ${key}`)
	}
}
