import { AppError, type FieldError } from '#app/errors'
import { log } from '#app/log.server'
import { limitClientIp, withRateLimitHeaders } from '#app/rate-limit.server'

// The only place where errors become HTTP responses (RFC 9457 problem+json).

export type Problem = {
	type: string
	title: string
	status: number
	detail: string
	errors?: FieldError[]
	/** Extension members of one problem type (`duplicateOf` of `duplicate-image`). */
	[extension: string]: unknown
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}) {
	return new Response(JSON.stringify(problem), {
		status: problem.status,
		headers: {
			'Content-Type': 'application/problem+json',
			'Cache-Control': 'no-store',
			...headers,
		},
	})
}

const typeUri = (slug: string) => `https://darkroom.dev/problems/${slug}`

export function toProblem(error: AppError): Problem {
	return {
		type: typeUri(error.slug),
		title: error.title,
		status: error.status,
		detail: error.message,
		...(error.errors ? { errors: error.errors } : {}),
		...error.extensions,
	}
}

/** Maps any thrown value to a response; unexpected errors are logged and hidden. */
export function errorToResponse(error: unknown, context: Record<string, unknown> = {}): Response {
	if (error instanceof Response) return error
	if (error instanceof AppError) {
		if (error.status >= 500) log.warn({ err: error, ...context }, error.message)
		return problemResponse(toProblem(error), error.headers)
	}
	log.error({ err: error, ...context }, 'Unhandled error')
	return problemResponse({
		type: typeUri('internal'),
		title: 'Internal server error',
		status: 500,
		detail: 'Something went wrong on our side. It has been logged; please try again.',
	})
}

type Handler<A> = (args: A) => Promise<Response>

/**
 * Wraps an API loader or action so every failure leaves as problem+json,
 * with the RateLimit-* headers of whatever limits the handler counted against.
 */
export function answerProblems<A extends { request: Request }>(handler: Handler<A>): Handler<A> {
	return async (args) => {
		let response: Response
		try {
			response = await handler(args)
		} catch (error) {
			response = errorToResponse(error, {
				method: args.request.method,
				path: new URL(args.request.url).pathname,
			})
		}
		return withRateLimitHeaders(args.request, response)
	}
}

/** `answerProblems`, with the per-IP ceiling applied first, as for every API request. */
export function apiHandler<A extends { request: Request }>(handler: Handler<A>): Handler<A> {
	return answerProblems(async (args) => {
		await limitClientIp(args)
		return handler(args)
	})
}

export function json(data: unknown, init: ResponseInit = {}) {
	const headers = new Headers(init.headers)
	headers.set('Content-Type', 'application/json')
	if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
	return new Response(JSON.stringify(data), { ...init, headers })
}
