import { z } from 'zod'
import * as apiTokens from '#app/auth/api-tokens.server'
import {
	apiTokenListSchema,
	createdApiTokenSchema,
	MAX_ACTIVE_TOKENS,
	MAX_EXPIRY_DAYS,
	MAX_TOKEN_NAME_LENGTH,
} from '#app/auth/schemas'
import { jsonContent, problem, problemContent, problemType } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

// Personal API tokens: the caller's own, made, listed and revoked with the `tokens` scope.

export const listApiTokens = defineOperation({
	method: 'GET',
	path: '/api/tokens',
	operationId: 'listApiTokens',
	tag: 'Auth',
	summary: "List the caller's personal API tokens",
	description:
		"The caller's personal API tokens that are not revoked, newest first: never their secrets. An expired token stays listed (with its past `expiresAt`) until cleanup removes it a day later. Login tokens and browser sessions are listed by `GET /api/sessions`.",
	access: 'tokens',
	rateLimit: 'read',
	responses: {
		'200': { description: 'The tokens.', content: jsonContent(apiTokenListSchema) },
	},
	handler: async ({ auth }) => json({ items: await apiTokens.listApiTokens(auth.user.id) }),
})

export const createApiToken = defineOperation({
	method: 'POST',
	path: '/api/tokens',
	operationId: 'createApiToken',
	tag: 'Auth',
	summary: 'Create a personal API token',
	description: `Creates a named, long-lived token for scripts and other services. The answer is the only
time its \`secret\` is shown: only its SHA-256 is stored. Use it as \`Authorization: Bearer <secret>\`
or \`X-API-Key: <secret>\`. Without \`expiresInDays\` (or with \`null\`) it never expires.

\`scopes\` says what it may do. Without \`scopes\`, it gets the scopes of the credential that makes
it: every scope when made with a sign-in token or the browser session, as before scopes existed.
A personal token may make tokens only if it has the \`tokens\` scope, and never with a scope it does
not hold itself (\`403\` \`insufficient-scope\` naming it). A user holds at most ${MAX_ACTIVE_TOKENS} active
(unrevoked, unexpired) personal tokens; one more answers \`409\`.`,
	access: 'tokens',
	rateLimit: 'read',
	body: apiTokens.apiTokenInputSchema,
	responses: {
		'201': {
			description: 'Created: the token and its secret, shown this once.',
			content: jsonContent(createdApiTokenSchema),
		},
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'409': {
			description: `The caller already holds ${MAX_ACTIVE_TOKENS} active personal tokens (\`conflict\`).`,
			content: problemContent({
				type: problemType('conflict'),
				title: 'Conflict',
				status: 409,
				detail: `You already have ${MAX_ACTIVE_TOKENS} active API tokens, the most allowed. Revoke one you no longer use first.`,
			}),
		},
		'422': problem(
			'ValidationFailed',
			`\`name\` missing, blank or over ${MAX_TOKEN_NAME_LENGTH} characters after trimming; \`expiresInDays\` not an integer from 1 to ${MAX_EXPIRY_DAYS}; \`scopes\` empty or naming an unknown scope.`,
		),
	},
	handler: async ({ args, auth, body }) => {
		const maker = { user: auth.user, scopes: auth.scopes, args }
		return json(await apiTokens.createApiToken(maker, body), { status: 201 })
	},
})

export const revokeApiToken = defineOperation({
	method: 'DELETE',
	path: '/api/tokens/{id}',
	operationId: 'revokeApiToken',
	tag: 'Auth',
	summary: 'Revoke a personal API token',
	description:
		'Revokes the token: it stops working at once, for `Authorization: Bearer` and `X-API-Key` alike, and leaves the list.',
	access: 'tokens',
	params: z.object({
		id: z.uuid().meta({
			param: {
				id: 'ApiTokenId',
				description:
					"The personal token's id. A value that is not a UUID, an unknown id and another user's token all answer `404`.",
			},
		}),
	}),
	responses: {
		'204': { description: 'Revoked.' },
		'404': {
			description:
				"No such personal token (`not-found`): an unknown or malformed id, one already revoked, or another user's token.",
			content: problemContent({
				type: problemType('not-found'),
				title: 'Not found',
				status: 404,
				detail: 'No API token with this id.',
			}),
		},
	},
	handler: async ({ args, auth, params }) => {
		await apiTokens.revokeApiToken(args, auth.user, params.id!)
		return new Response(null, { status: 204 })
	},
})
