import { isSessionActive } from '#app/auth/sessions.server'
import { headerRef, problemContent, problemType } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import {
	imageEventStream,
	MAX_STREAMS_PER_USER,
	PING_MS,
	RETRY_MS,
} from '#app/images/events.server'

// Server-sent events of the caller's image changes (app/images/events.server.ts).

const seconds = (ms: number) => ms / 1000

export const streamImageEvents = defineOperation({
	method: 'GET',
	path: '/api/events',
	operationId: 'streamImageEvents',
	tag: 'Images',
	summary: "Live changes of the caller's images (server-sent events)",
	description: `A \`text/event-stream\` (server-sent events) that stays open and carries a change of any of
the caller's images within moments of it being committed, whoever made it (the worker, another
client, cleanup): use it instead of polling. Browsers open it with \`new EventSource('/api/events')\`
(the session cookie authenticates it); other clients send \`Authorization: Bearer <token>\`.

- \`event: image\` with \`data:\` an \`ImageEvent\` (JSON): \`insert\` for a new image, \`update\` when
  \`status\`, \`aiStatus\`, the thumbnail or the AI result changed, \`delete\` when it was removed.
  Events of one image arrive in commit order; fetch \`GET /api/images/{id}\` for the full detail.
- \`event: resync\` (\`data: {}\`): the server may have missed events (its database connection was
  re-established); reload what you show.
- A \`: ping\` comment every ${seconds(PING_MS)} s keeps proxies from closing an idle stream.
- The stream starts with \`retry: ${RETRY_MS}\`: a dropped stream is reopened after ${seconds(RETRY_MS)} s by EventSource.
  Events committed while no stream was open are not replayed: reload once the stream is open again.

The response is neither compressed nor buffered (\`Cache-Control: no-cache, no-transform\`,
\`X-Accel-Buffering: no\`). When the server stops, open streams are closed at once and clients
reconnect. Each web process allows ${MAX_STREAMS_PER_USER} open streams per user; opening the stream counts once against
the \`read\` rate limit. A stream whose token or session is revoked (sign-out, \`DELETE /api/tokens/{id}\`) or
expires ends at its next ping.`,
	access: 'read',
	rateLimit: 'read',
	responses: {
		'200': {
			description:
				'The event stream; it stays open until the client disconnects or the server stops.',
			headers: {
				'Cache-Control': {
					description: '`no-cache, no-transform`.',
					schema: { type: 'string' },
				},
				'X-Accel-Buffering': {
					description: '`no`: tells nginx-style proxies not to buffer the stream.',
					schema: { type: 'string' },
				},
			},
			content: {
				'text/event-stream': {
					schema: {
						type: 'string',
						description:
							'Server-sent events: `event: image` with an `ImageEvent` as `data`, `event: resync`, and `: ping` comments.',
					},
					example: `retry: ${RETRY_MS}\n: connected\n\nevent: image\ndata: {"id":"3f2c8a4e-5b1d-4c7e-9a0f-1e2d3c4b5a69","type":"update","status":"completed","aiStatus":"processing","overallStatus":"processing","updatedAt":"2025-01-01T12:00:00.5+00:00"}\n\n: ping\n\n`,
				},
			},
		},
		'429': {
			description: `Either \`too-many-streams\`: the caller already has ${MAX_STREAMS_PER_USER} streams open on this web process (close one; \`Retry-After\` says when to try again), or over the \`read\` rate limit (\`too-many-requests\`, see \`TooManyRequests\`).`,
			headers: { 'Retry-After': headerRef('RetryAfter') },
			content: problemContent({
				type: problemType('too-many-streams'),
				title: 'Too many event streams',
				status: 429,
				detail: `At most ${MAX_STREAMS_PER_USER} event streams may be open at once per user; close one (another tab or client) and try again.`,
			}),
		},
		'503': {
			description:
				'The server cannot listen for changes right now (`events-unavailable`); retry after `Retry-After` seconds, and poll meanwhile.',
			headers: { 'Retry-After': headerRef('RetryAfter') },
			content: problemContent({
				type: problemType('events-unavailable'),
				title: 'Live events unavailable',
				status: 503,
				detail: 'Live events are unavailable right now; retry shortly.',
			}),
		},
	},
	handler: async ({ request, auth }) => {
		const body = await imageEventStream(auth.user.id, request.signal, () =>
			isSessionActive(auth.sessionId),
		)
		return new Response(body, {
			headers: {
				'Content-Type': 'text/event-stream; charset=utf-8',
				// no-transform also keeps compression() (server/web.ts) and proxies from buffering it.
				'Cache-Control': 'no-cache, no-transform',
				'X-Accel-Buffering': 'no',
			},
		})
	},
})
