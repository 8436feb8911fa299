import { z } from 'zod'
import { sessionListSchema } from '#app/auth/schemas'
import { listSignIns, revokeSignIn } from '#app/auth/sessions.server'
import { jsonContent, problemContent, problemType } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

// Where the caller is signed in: browser sessions and API sign-in tokens
// (personal tokens are tokens.server.ts's).

export const listSessions = defineOperation({
	method: 'GET',
	path: '/api/sessions',
	operationId: 'listSessions',
	tag: 'Auth',
	summary: 'List where the caller is signed in',
	description:
		"The caller's live browser sessions and API sign-in tokens (from `POST /api/auth/login` and `POST /api/auth/register`): the current one first (`current: true`), then by last use. Never their secrets. Personal tokens are listed by `GET /api/tokens`. `userAgent` and `ip` are the client's when the session was made, noted again whenever `lastUsedAt` is (at most once a minute).",
	access: 'tokens',
	rateLimit: 'read',
	responses: {
		'200': { description: 'The sessions.', content: jsonContent(sessionListSchema) },
	},
	handler: async ({ auth }) => json({ items: await listSignIns(auth.user.id, auth.sessionId) }),
})

export const revokeSession = defineOperation({
	method: 'DELETE',
	path: '/api/sessions/{id}',
	operationId: 'revokeSession',
	tag: 'Auth',
	summary: 'Sign out one browser session or API sign-in',
	description:
		'Revokes it at once: that browser is signed out, that token answers `401`, and its event streams close. Revoking the current one signs the caller out.',
	access: 'tokens',
	params: z.object({
		id: z.uuid().meta({
			param: {
				id: 'SessionId',
				description:
					"The session's id, from `GET /api/sessions`. A value that is not a UUID, an unknown id and another user's session all answer `404`.",
			},
		}),
	}),
	responses: {
		'204': { description: 'Signed out.' },
		'404': {
			description:
				"No such live session (`not-found`): an unknown or malformed id, one already signed out or expired, a personal token (see `DELETE /api/tokens/{id}`), or another user's.",
			content: problemContent({
				type: problemType('not-found'),
				title: 'Not found',
				status: 404,
				detail: 'No active session with this id.',
			}),
		},
	},
	handler: async ({ auth, params }) => {
		await revokeSignIn(auth.user.id, params.id!)
		return new Response(null, { status: 204 })
	},
})
