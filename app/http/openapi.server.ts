import {
	createDocument,
	type ZodOpenApiOperationObject,
	type ZodOpenApiPathsObject,
	type ZodOpenApiResponsesObject,
} from 'zod-openapi'
import { adminOnly, problem, sharedComponents } from '#app/http/openapi-components'
import { introduction, tags } from '#app/http/openapi-prose'
import { allowedMethods, type Operation } from '#app/http/operation.server'
import { operations } from '#app/http/operations.server'

// The OpenAPI 3.1 description of /api, served at /api/openapi.json and shown
// at /api/docs: generated from the operations' declarations, so what a route
// does and what the document says cannot drift apart.

export function buildOpenApiDocument(declared: Operation[]) {
	return createDocument(
		{
			openapi: '3.1.0',
			info: {
				title: 'Darkroom API',
				version: '1.0.0',
				summary: 'Self-hosted image service: upload, process, describe and download images.',
				description: introduction(declared),
			},
			servers: [{ url: '/', description: 'This Darkroom instance' }],
			tags,
			security: [{ bearerAuth: [] }, { apiKeyAuth: [] }, { cookieAuth: [] }],
			paths: pathsOf(declared),
			components: sharedComponents,
		},
		{ override: tidySchema },
	)
}

function pathsOf(declared: Operation[]): ZodOpenApiPathsObject {
	const paths: ZodOpenApiPathsObject = {}
	for (const operation of declared) {
		const allowed = allowedMethods(declared.filter((other) => other.path === operation.path))
		const item = (paths[operation.path] ??= {
			description: `Other methods on this path answer \`405\` (\`method-not-allowed\`) with \`Allow: ${allowed.join(', ')}\`; see \`components.responses.MethodNotAllowed\`.`,
		})
		const method = operation.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'
		item[method] = operationObject(operation)
	}
	return paths
}

function operationObject(operation: Operation): ZodOpenApiOperationObject {
	const { params, query, headers, body } = operation
	return {
		tags: [operation.tag],
		operationId: operation.operationId,
		summary: operation.summary,
		...(operation.description ? { description: operation.description } : {}),
		...(params || query || headers
			? {
					// zod-openapi reads every key it is given: leave out the kinds not declared.
					requestParams: {
						...(params ? { path: params } : {}),
						...(query ? { query } : {}),
						...(headers ? { header: headers } : {}),
					},
				}
			: {}),
		...(body
			? {
					requestBody: {
						required: !operation.bodyOptional,
						content: { 'application/json': { schema: body } },
					},
				}
			: operation.rawBody
				? { requestBody: operation.rawBody }
				: {}),
		responses: responsesOf(operation),
		...securityOf(operation),
	}
}

/** The scope a token needs, as OpenAPI 3.1 lets a non-OAuth scheme list roles. */
function securityOf({ access }: Operation): { security?: Array<Record<string, string[]>> } {
	if (access === 'public') return { security: [] }
	if (access === 'any') return {}
	const scope: string = access === 'admin' ? 'write' : access
	return { security: [{ bearerAuth: [scope] }, { apiKeyAuth: [scope] }, { cookieAuth: [] }] }
}

/** The declared answers plus those every operation of its kind can give, by status. */
function responsesOf(operation: Operation): ZodOpenApiResponsesObject {
	const responses: ZodOpenApiResponsesObject = { ...operation.responses }
	const { access, method } = operation
	if (access !== 'public') responses['401'] ??= problem('Unauthorized')
	if (access === 'admin') responses['403'] ??= adminOnly
	if (access !== 'public' && access !== 'any') responses['403'] ??= problem('InsufficientScope')
	if (!operation.unlimited) {
		responses['429'] ??= problem('TooManyRequests', operation.tooManyRequests)
		if (method !== 'GET') responses['403'] ??= problem('CrossSiteRequest')
	}
	responses['500'] ??= problem('InternalError')
	const byStatus = Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))
	return Object.fromEntries(byStatus) as ZodOpenApiResponsesObject
}

/**
 * zod writes the regular expression behind each string format and the safe
 * integer range on every integer; the format and the real bounds say enough.
 * A nullable value is written `type: [X, "null"]`, as JSON Schema readers
 * (and /api/docs) expect, rather than `anyOf` with a null branch.
 */
function tidySchema({ jsonSchema }: { jsonSchema: Record<string, unknown> }) {
	if (typeof jsonSchema.format === 'string' && typeof jsonSchema.pattern === 'string') {
		delete jsonSchema.pattern
	}
	if (jsonSchema.maximum === MAX_SAFE) delete jsonSchema.maximum
	if (jsonSchema.minimum === -MAX_SAFE) delete jsonSchema.minimum
	foldNullable(jsonSchema)
}

function foldNullable(jsonSchema: Record<string, unknown>) {
	const branches = jsonSchema.anyOf
	if (!Array.isArray(branches) || branches.length !== 2) return
	const isNull = (branch: Record<string, unknown>) =>
		branch.type === 'null' && Object.keys(branch).length === 1
	const value = (branches as Array<Record<string, unknown>>).find((branch) => !isNull(branch))
	if (!value || !branches.some(isNull) || typeof value.type !== 'string' || value.$ref) return
	delete jsonSchema.anyOf
	// The outer schema may be reached before its branch: tidy the branch now.
	tidySchema({ jsonSchema: value })
	const outer = { ...jsonSchema } // its description wins over the branch's
	Object.assign(jsonSchema, value, outer, { type: [value.type, 'null'] })
	if (Array.isArray(value.enum)) jsonSchema.enum = [...value.enum, null]
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER

export const openApiDocument = buildOpenApiDocument(operations)
