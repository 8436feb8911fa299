import type { ActionFunctionArgs } from '@remix-run/node'
import type { z } from 'zod'
import type { ZodOpenApiRequestBodyObject, ZodOpenApiResponsesObject } from 'zod-openapi'
import type { TokenScope } from '#db/schema'
import { requireAdmin } from '#app/admin/auth.server'
import { type Authenticated, requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseJsonBody, parseSearchParams } from '#app/http/input.server'
import { answerProblems } from '#app/http/problem.server'
import { limitBatch, limitClientIp, limitRequest } from '#app/rate-limit.server'

// One declaration per API operation: what app/routes/api.*.ts serve and what
// /api/openapi.json documents (app/http/openapi.server.ts) both come from it.
// See docs/decisions/018-one-declaration-per-operation.md.

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export const methodOrder: Method[] = ['GET', 'POST', 'PATCH', 'DELETE']

/** The methods of these operations (one path), as `Allow` and the document list them. */
export const allowedMethods = (operations: Operation[]) =>
	methodOrder.filter((method) => operations.some((operation) => operation.method === method))

/**
 * Who may call it: anyone, any signed-in caller, a caller whose token holds
 * this scope, or an admin (whose token needs `write`, as admin actions delete).
 */
export type Access = 'public' | 'any' | TokenScope | 'admin'

/**
 * The per-user rate-limit class counted before the body is read; `perItem`
 * counts a batch as that many requests, after its body is parsed. Every
 * operation also counts against the per-address ceiling unless `unlimited`.
 */
export type RateLimit =
	'read' | 'process' | 'upload' | { perItem: 'process'; count: (body: never) => number }

/** A schema of named values (zod-openapi turns each into a parameter). */
type ZodObjectLike = z.ZodType<unknown, Record<string, unknown>>

export type OperationDeclaration<
	A extends Access = Access,
	Q extends ZodObjectLike | undefined = ZodObjectLike | undefined,
	B extends z.ZodType | undefined = z.ZodType | undefined,
> = {
	method: Method
	/** The OpenAPI path, `{name}` for path parameters. */
	path: `/api/${string}`
	operationId: string
	tag:
		| 'Auth'
		| 'Images'
		| 'Albums'
		| 'Sharing'
		| 'Trash'
		| 'Usage'
		| 'Webhooks'
		| 'Admin'
		| 'Operations'
	summary: string
	description?: string
	access: A
	rateLimit?: RateLimit
	/** Health and this document: not even the per-address ceiling applies. */
	unlimited?: true
	/**
	 * Documents the path parameters. Their values reach the handler as
	 * strings: an id that is not a UUID names nothing, which the domain answers
	 * with 404 rather than the 422 a schema would give.
	 */
	params?: ZodObjectLike
	/** Parsed from the query string; a mismatch is a 422 naming the field. */
	query?: Q
	/** Request headers worth documenting (the handler reads them itself). */
	headers?: ZodObjectLike
	/** A JSON body, parsed (400 for bad JSON, 422 for a mismatch). */
	body?: B
	/** The JSON body may be left out, as if `{}` were sent. */
	bodyOptional?: true
	/** A body that is not JSON (multipart uploads): documented, read by the handler. */
	rawBody?: ZodOpenApiRequestBodyObject
	/**
	 * Its answers, successes and the problems particular to it. 401, 403,
	 * 429 and 500 follow from `access`, `method` and `rateLimit` and are added
	 * to the document unless declared here.
	 */
	responses: ZodOpenApiResponsesObject
	/** Prose for the 429 answer when it has more causes than the rate limit. */
	tooManyRequests?: string
	handler: (
		call: OperationCall<
			A,
			Q extends z.ZodType ? z.output<Q> : undefined,
			B extends z.ZodType ? z.output<B> : undefined
		>,
	) => Promise<Response>
}

export type OperationCall<A extends Access, Q, B> = {
	/** The Remix loader or action arguments (request, params, load context). */
	args: ActionFunctionArgs
	request: Request
	params: Record<string, string>
	query: Q
	body: B
	auth: A extends 'public' ? undefined : Authenticated
}

// The declarations are stored without their generic parameters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Operation = OperationDeclaration<any, any, any>

/** Declares an operation; the identity function, for the types of its handler's arguments. */
export function defineOperation<
	A extends Access,
	Q extends ZodObjectLike | undefined = undefined,
	B extends z.ZodType | undefined = undefined,
>(declaration: OperationDeclaration<A, Q, B>): OperationDeclaration<A, Q, B> {
	return declaration
}

/**
 * The loader, and the action, of an API route file serving these operations
 * (one path): 405 with `Allow` for any other method, then access, rate
 * limits, input parsing and the handler, every failure as problem+json.
 * A route file is `export const loader = apiRoute(...)` and
 * `export const action = loader`, which Remix keeps out of the browser bundle.
 */
export function apiRoute(...operations: Operation[]) {
	const allowed = allowedMethods(operations)
	return answerProblems(async (args: ActionFunctionArgs) => {
		const method = args.request.method === 'HEAD' ? 'GET' : args.request.method
		const operation = operations.find((candidate) => candidate.method === method)
		if (!operation?.unlimited) await limitClientIp(args)
		if (!operation) throw new MethodNotAllowedError(allowed)
		return run(operation, args)
	})
}

async function run(operation: Operation, args: ActionFunctionArgs): Promise<Response> {
	const { request } = args
	const auth = await authorize(operation.access, args)
	const { rateLimit } = operation
	if (auth && typeof rateLimit === 'string') await limitRequest(args, rateLimit, auth.user.id)
	const query = operation.query ? parseSearchParams(request, operation.query) : undefined
	const body = operation.body
		? await parseJsonBody(request, operation.body, { optional: operation.bodyOptional })
		: undefined
	if (auth && typeof rateLimit === 'object') {
		await limitBatch(args, rateLimit.perItem, auth.user.id, rateLimit.count(body as never))
	}
	return operation.handler({
		args,
		request,
		params: args.params as Record<string, string>,
		query,
		body,
		auth,
	})
}

function authorize(access: Access, args: ActionFunctionArgs): Promise<Authenticated | undefined> {
	if (access === 'public') return Promise.resolve(undefined)
	if (access === 'admin') return requireAdmin(args)
	return requireApiUser(args, { scope: access })
}
