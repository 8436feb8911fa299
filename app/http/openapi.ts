import {
	aiStatuses,
	imageStatuses,
	overallStatuses,
	type TokenScope,
	tokenScopes,
	webhookDeliveryStatuses,
	webhookEventTypes,
} from '#db/schema'
import { listDates, listSorts } from '#app/images/list-options'

// The OpenAPI 3.1 description of /api, served at /api/openapi.json. It
// describes what the route modules under app/routes/api.*.ts actually do;
// tests/integration/openapi.test.ts checks it against the contract.

const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const nullable = (ref: { $ref: string }, description?: string) => ({
	anyOf: [ref, { type: 'null' }],
	...(description ? { description } : {}),
})
const parameter = (name: string) => ({ $ref: `#/components/parameters/${name}` })
const header = (name: string) => ({ $ref: `#/components/headers/${name}` })
/** A shared error response; a description here overrides the shared one (OpenAPI 3.1). */
const problem = (name: string, description?: string) => ({
	$ref: `#/components/responses/${name}`,
	...(description ? { description } : {}),
})
const jsonBody = (name: string) => ({ 'application/json': { schema: schema(name) } })

const problemTypes = [
	'bad-request',
	'unauthorized',
	'not-found',
	'method-not-allowed',
	'conflict',
	'payload-too-large',
	'unsupported-media-type',
	'validation',
	'unprocessable-image',
	'storage-unavailable',
	'internal',
	'too-many-requests',
	'quota-exceeded',
	'cross-site-request',
	'too-many-streams',
	'events-unavailable',
	'insufficient-scope',
	'too-many-uploads-in-flight',
]
const problemType = (slug: string) => `https://darkroom.dev/problems/${slug}`

const problemContent = (example: Record<string, unknown>) => ({
	'application/problem+json': { schema: schema('Problem'), example },
})

const overallStatusDerivation = [
	'Derived from `status` and `aiStatus`:',
	'',
	'- `failed` if the image stage failed;',
	'- `completed` when the image stage completed and the AI stage completed or was skipped;',
	'- `partial` when the image stage completed and the AI stage failed;',
	'- `pending` before any work started (both stages `pending`);',
	'- otherwise `processing`.',
	'',
	'`completed`, `partial` and `failed` are terminal: poll until one of them.',
].join('\n')

const aiStageDescription = `What the AI stage found. Null on an image until its first analysis completes; a re-run keeps
the previous result until the new one replaces it.

**When it runs.** After the image stage completes, on the optimized copy fitted inside
\`AI_IMAGE_MAX_SIZE\` (default 1024 px) as JPEG. The provider is \`AI_PROVIDER\`:

- \`openai\` (the default when \`OPENAI_API_KEY\` or \`OPENAI_BASE_URL\` is set): \`OPENAI_MODEL\`
  (default \`gpt-4.1-mini\`) through the Chat Completions API with a JSON-schema structured output.
  \`OPENAI_BASE_URL\` points it at any OpenAI-compatible server (Ollama, vLLM, OpenRouter…). Safety
  comes from the moderation endpoint (\`OPENAI_MODERATION_MODEL\`, default
  \`omni-moderation-latest\`); when that is \`none\`, unsupported by the server or failing, from the
  model's own assessment (\`safety.source\` says which).
- \`local\`: offline, no network. OCR with tesseract.js (English) plus tags for text, colours and
  orientation; \`summary\` is null, \`safety\` is not judged (\`source: none\`, never flagged),
  tokens and cost are 0.
- \`none\` (the default otherwise): nothing runs; \`aiStatus\` is \`skipped\`, \`aiError\` gives the
  reason, \`ai\` stays null and \`overallStatus\` is \`completed\`.

**Failures.** For \`openai\`, rate limits (\`429\`, honouring \`Retry-After\`), \`5xx\`, \`408\`/\`409\`, connection
errors and timeouts (\`AI_TIMEOUT_MS\` per attempt, default 60 s) are retried with backoff, up to
\`AI_MAX_ATTEMPTS\` attempts in all (default 4). Output that does not match the schema gets one repair
request. What still fails, or cannot succeed (a rejected key, an unknown model, a refusal or content
filter), is permanent: \`aiStatus\` is \`failed\` with a readable \`aiError\` and \`overallStatus\`
is \`partial\`; the image and its files stay usable. Run it again with \`stages: ["ai"]\`.

**Cost.** \`costUsd\` is computed when the analysis completes, from the tokens and a per-model price
table in USD per 1M tokens (OpenAI's published prices, overridden or extended by \`AI_PRICES\`); a
dated model name uses its base model's price, and a model missing from the table (a local server)
costs 0. Later price changes do not alter it. \`GET /api/usage\` sums it.`

const timestamp = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC.' }
const uuid = { type: 'string', format: 'uuid' }

const uploadDescription = `One image per request, as \`multipart/form-data\` with the bytes in a part named \`file\`.
Other parts are ignored, as is any second \`file\` part.

- The type is decided by the bytes, not by the file name or the declared type.
  Accepted: JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC. Anything else: \`415\`.
- A body that is not \`multipart/form-data\`, is malformed, or has no \`file\` part: \`400\`.
- Larger than \`MAX_UPLOAD_BYTES\` (default 25 MiB = 26214400 bytes): \`413\`, answered as soon
  as the upload passes the limit (or at once when \`Content-Length\` already says so). The rest is
  read and discarded, never stored nor held in memory, so the connection stays usable; past 64 MiB
  or 15 s of discarding, the server closes it.
- Empty, corrupt or truncated, or more than \`MAX_INPUT_PIXELS\` (default 100 megapixels): \`422\`
  (\`unprocessable-image\`).
- A rejected upload leaves no row, no stored object and no job behind.
- The stored \`filename\` is the client's name made safe: no directory part, no control
  characters, at most 255 bytes (\`image.<ext>\` when nothing is left).

The answer is \`202 Accepted\` with the new image (\`status\` and \`aiStatus\` \`pending\`); the image
and AI stages run in the background. Poll \`Location\` until \`overallStatus\` is terminal, or follow
\`GET /api/events\` to hear of each change as it happens.

**Idempotency.** With an \`Idempotency-Key\` header, a repeat with the same key by the same user
within 24 hours creates nothing and answers \`202\` with the image the first request created (in
its current state) and the header \`Idempotent-Replayed: true\`. The repeat must carry the same
file (compared by SHA-256); a key reused for a different file within 24 hours is \`422\`. Keys are
per user; concurrent requests with one key create one image.`

const uploadOperation = (operationId: string, summary: string, extra = '') => ({
	tags: ['Images'],
	operationId,
	summary,
	description: extra + uploadDescription,
	parameters: [parameter('IdempotencyKey')],
	requestBody: { $ref: '#/components/requestBodies/ImageUpload' },
	responses: {
		'202': {
			description:
				'Accepted: the image is stored and queued for processing (or, for a replayed `Idempotency-Key`, the image the first request created).',
			headers: {
				Location: header('ImageLocation'),
				'Idempotent-Replayed': header('IdempotentReplayed'),
			},
			content: jsonBody('ImageDetail'),
		},
		'400': problem(
			'BadRequest',
			'The body is not `multipart/form-data`, is malformed, or has no `file` part.',
		),
		'401': problem('Unauthorized'),
		'403': problem('UploadForbidden'),
		'413': problem('PayloadTooLarge'),
		'415': problem('UnsupportedMediaType'),
		'422': problem('UploadUnprocessable'),
		'500': problem('InternalError'),
		'503': problem(
			'StorageUnavailable',
			'Object storage could not be reached; nothing was stored. Retry after `Retry-After` seconds.',
		),
	},
})

const SIGNING_UNAVAILABLE =
	'Object storage could not sign the URLs of the answer (its credentials could not be loaded or it refused); retry after `Retry-After` seconds. For the process operations the stages may already be queued.'

const SIGNED_URL_LIFETIME =
	'Signed URLs expire on a grid of `SIGNED_URL_WINDOW` seconds (default 300): each lives at least `SIGNED_URL_TTL` seconds (default 900) and less than `SIGNED_URL_TTL + SIGNED_URL_WINDOW`, and every request within one window gets the very same URL, so browsers and CDNs can cache the file under it.'

const PLACEHOLDER_DESCRIPTION = `A [ThumbHash](https://evanw.github.io/thumbhash/) of the thumbnail, base64-encoded
(standard alphabet, with padding; about 25 bytes): a blurred preview with the image's colours and aspect
ratio, to show while the thumbnail loads. Decode the base64 to bytes and pass them to a ThumbHash decoder,
e.g. with the \`thumbhash\` npm package: \`thumbHashToDataURL(Uint8Array.from(atob(placeholder), (c) =>
c.charCodeAt(0)))\` gives a PNG data URL (\`thumbHashToRGBA\` the pixels, \`thumbHashToAverageRGBA\` the average
colour). Null until the image stage completes; a re-run of the image stage computes it again.`

/** Conditional GET on the image routes (app/http/etag.server.ts). */
const conditionalGet = (what: string) => `

**Caching.** The answer carries a weak \`ETag\` (a hash of the body) and \`Cache-Control: private, no-cache\`.
Signed URLs stay the same within a signing window, so an unchanged ${what} gives the same body and ETag.
Send the ETag back in \`If-None-Match\` (a list and \`*\` work too; weak comparison): the answer is then
\`304 Not Modified\` with the ETag and no body, and the copy you kept is still current.`

const cacheHeaders = { ETag: header('ETag'), 'Cache-Control': header('CacheControlNoCache') }

const methodsNote = (allowed: string) =>
	`Other methods on this path answer \`405\` (\`method-not-allowed\`) with \`Allow: ${allowed}\`; see \`components.responses.MethodNotAllowed\`.`

const rateLimitNotes: Record<string, string> = {
	'POST /api/images':
		'Over the `upload` rate limit (`too-many-requests`); or (`too-many-uploads-in-flight`, with `Retry-After` but no `RateLimit-*` of its own) this user already has `MAX_CONCURRENT_UPLOADS_PER_USER` (default 4) uploads in progress, across every web process. Both are answered before the body is read.',
	'POST /api/images/upload':
		'Over the `upload` rate limit (`too-many-requests`); or (`too-many-uploads-in-flight`, with `Retry-After` but no `RateLimit-*` of its own) this user already has `MAX_CONCURRENT_UPLOADS_PER_USER` (default 4) uploads in progress, across every web process. Both are answered before the body is read.',
	'POST /api/images/process':
		'Over the `process` rate limit, where each distinct image of the batch counts as one request. A batch that would go over is refused whole and counts nothing; its `RateLimit-Remaining` says how many images are left in the window.',
	'POST /api/auth/login':
		'Too many failed sign-ins for this email from this address (`RATE_LIMIT_LOGIN`), even with the right password until the window ends; or for this account from anywhere, which then waits 1 s, 2, 4… up to 60 s (`Retry-After`); or the per-address ceiling.',
	'POST /api/auth/register':
		'Too many registrations from this address, successful or not (`RATE_LIMIT_SIGNUP`), or the per-address ceiling.',
}

/**
 * The scope a personal token needs for each operation, as its route asks for
 * it (`requireApiUser(args, { scope })`); tests/integration/sessions.test.ts
 * calls each one with a token that lacks it. Operations not listed (who am I,
 * sign out) take any valid credential.
 */
const operationScopes: Record<string, TokenScope> = {
	'GET /api/images': 'read',
	'GET /api/images/{id}': 'read',
	'GET /api/images/{id}/download': 'read',
	'GET /api/usage': 'read',
	'GET /api/events': 'read',
	'POST /api/images': 'write',
	'POST /api/images/upload': 'write',
	'POST /api/images/{id}/process': 'write',
	'POST /api/images/process': 'write',
	'DELETE /api/images/{id}': 'write',
	'GET /api/trash': 'read',
	'DELETE /api/trash': 'write',
	'POST /api/trash/{id}/restore': 'write',
	'POST /api/admin/retention/sweep': 'write',
	'GET /api/webhooks': 'webhooks',
	'POST /api/webhooks': 'webhooks',
	'GET /api/webhooks/{id}': 'webhooks',
	'PATCH /api/webhooks/{id}': 'webhooks',
	'DELETE /api/webhooks/{id}': 'webhooks',
	'POST /api/webhooks/{id}/test': 'webhooks',
	'GET /api/webhooks/{id}/deliveries': 'webhooks',
	'POST /api/webhooks/{id}/deliveries/{deliveryId}/retry': 'webhooks',
	'GET /api/tokens': 'tokens',
	'POST /api/tokens': 'tokens',
	'DELETE /api/tokens/{id}': 'tokens',
	'GET /api/sessions': 'tokens',
	'DELETE /api/sessions/{id}': 'tokens',
}

/**
 * Each scoped operation's security names its scope (OpenAPI 3.1 lets a
 * non-OAuth scheme list the roles it needs) and documents the 403.
 */
function withScopes<T extends Record<string, object>>(paths: T): T {
	for (const [pathName, item] of Object.entries(paths)) {
		for (const [method, op] of Object.entries(item)) {
			const scope = operationScopes[`${method.toUpperCase()} ${pathName}`]
			if (!scope || !op || typeof op !== 'object' || !('responses' in op)) continue
			Object.assign(op, {
				security: [{ bearerAuth: [scope] }, { apiKeyAuth: [scope] }, { cookieAuth: [] }],
			})
			const responses = op.responses as Record<string, unknown>
			responses['403'] ??= problem('InsufficientScope')
		}
	}
	return paths
}

/**
 * Every operation but health and this document can answer 429, and every
 * unsafe one 403 when cookie-authenticated from another site: added here
 * rather than repeated in each operation.
 */
function withAbuseResponses<T extends Record<string, object>>(paths: T): T {
	for (const [pathName, item] of Object.entries(paths)) {
		if (pathName === '/api/health' || pathName === '/api/openapi.json') continue
		for (const [method, op] of Object.entries(item)) {
			if (!op || typeof op !== 'object' || !('responses' in op)) continue
			const responses = op.responses as Record<string, unknown>
			const key = `${method.toUpperCase()} ${pathName}`
			responses['429'] ??= problem('TooManyRequests', rateLimitNotes[key])
			if (method !== 'get') responses['403'] ??= problem('CrossSiteRequest')
		}
	}
	return paths
}

export const openApiDocument = {
	openapi: '3.1.0',
	info: {
		title: 'Darkroom API',
		version: '1.0.0',
		summary: 'Self-hosted image service: upload, process, describe and download images.',
		description: `Darkroom stores images, derives a thumbnail and an optimized copy with their metadata in the
background, and hands them out through short-lived signed URLs. An AI stage then describes each image
(summary, tags, OCR text, safety; see \`AiResult\`), which \`GET /api/images?q=\` searches and
\`GET /api/usage\` accounts for.

## Conventions
- JSON in and out (\`application/json\`), except uploads (\`multipart/form-data\`).
- Ids are UUIDs; times are ISO 8601 UTC strings.
- Every error is an RFC 9457 \`application/problem+json\` document (\`Problem\`): \`type\`, \`title\`,
  \`status\`, \`detail\`, plus \`errors: [{ path, message }]\` for invalid input. \`type\` is
  \`https://darkroom.dev/problems/<slug>\`. Unexpected failures are \`500\` (\`internal\`) with no
  internal details.
- A method a path does not support answers \`405\` with an \`Allow\` header; an unknown \`/api\` path
  answers \`404\` problem+json.
- An image that belongs to another user is indistinguishable from a missing one: \`404\`.

## Authentication
Register or log in to get a bearer token and send it as \`Authorization: Bearer <token>\`. A missing,
expired or revoked token answers \`401\` with \`WWW-Authenticate: Bearer\`. Tokens live
\`SESSION_TTL_DAYS\` (default 30 days) unless revoked by \`POST /api/auth/logout\`. The browser UI's
session cookie (\`darkroom_session\`, HttpOnly, SameSite=Lax, Secure in production) is accepted too,
for same-origin calls. When an \`Authorization\` header is sent it alone decides: a bad token is not
rescued by the cookie.

**Personal tokens** (\`POST /api/tokens\`, or the Settings page) are named, long-lived tokens for
scripts and services: no expiry or 1–3650 days, revocable one by one with \`DELETE /api/tokens/{id}\`.
Each holds one or more **scopes**, and every operation names the scope it needs (its \`security\`):

- \`read\`: listing, reading and downloading images, \`GET /api/usage\`, \`GET /api/events\`;
- \`write\`: uploading, processing and deleting images (and, for an admin, the retention sweep);
- \`webhooks\`: everything under \`/api/webhooks\`;
- \`tokens\`: \`/api/tokens\` and \`/api/sessions\`: listing, making and revoking tokens and sign-ins.

A call outside the token's scopes answers \`403\` (\`insufficient-scope\`) naming the missing scope, with
\`WWW-Authenticate: Bearer error="insufficient_scope", scope="<scope>"\`. \`GET /api/me\` and
\`POST /api/auth/logout\` take any token. Sign-in tokens (register, login) and the browser session
hold every scope, as do personal tokens made before scopes existed.

**Sessions.** \`GET /api/sessions\` lists where the user is signed in (browser sessions and API
sign-in tokens, with the client's User-Agent and address); \`DELETE /api/sessions/{id}\` signs one out.
Changing the password (Settings → Password) signs out every other session and revokes every personal
token.
Any token may also be sent as \`X-API-Key: <token>\` for clients of the older service; it is used
only when no \`Authorization: Bearer\` header is sent, and like it makes the cookie irrelevant (a bad
key is \`401\`, not rescued by the cookie).

Unsafe requests (\`POST\`, \`DELETE\`) authenticated by the cookie must carry an \`Origin\` (or, without
one, a \`Referer\`) of this site itself (\`PUBLIC_URL\` when set, else the request's host); otherwise
\`403\` (\`cross-site-request\`). Bearer-token and \`X-API-Key\` requests need no \`Origin\`.

## Rate limits
Fixed windows, counted in the database and shared by all web processes. Each request counts against:

| class | requests | default | counted per |
|---|---|---|---|
| \`upload\` | \`POST /api/images\`, \`POST /api/images/upload\` (and the web upload form) | 60 per 60 s (\`RATE_LIMIT_UPLOAD\`) | user |
| \`process\` | \`POST /api/images/{id}/process\`, \`POST /api/images/process\` (each image of the batch counts), \`POST /api/webhooks\`, \`PATCH /api/webhooks/{id}\`, \`POST /api/webhooks/{id}/test\`, \`POST /api/webhooks/{id}/deliveries/{deliveryId}/retry\` | 60 per 60 s (\`RATE_LIMIT_PROCESS\`) | user |
| \`read\` | \`GET /api/images\`, \`GET /api/images/{id}\`, \`GET /api/images/{id}/download\`, \`GET /api/usage\`, \`GET\` and \`POST /api/tokens\`, \`GET /api/sessions\`, opening \`GET /api/events\`, \`GET /api/webhooks\`, \`GET /api/webhooks/{id}\`, \`GET /api/webhooks/{id}/deliveries\` | 600 per 60 s (\`RATE_LIMIT_READ\`) | user |
| \`login\` | failed sign-ins (\`POST /api/auth/login\` and the sign-in page) | 10 per 900 s (\`RATE_LIMIT_LOGIN\`) | email and client address |
| \`signup\` | every registration (\`POST /api/auth/register\` and the sign-up page), \`409\` included; invalid input (\`422\`) is not counted | 10 per 3600 s (\`RATE_LIMIT_SIGNUP\`) | client address |
| \`ip\` | every \`/api\` request except health and this document, and the sign-in and sign-up pages' form posts | 1200 per 60 s (\`RATE_LIMIT_IP\`) | client address |

A window of \`w\` seconds starts at every multiple of \`w\` since the Unix epoch (database clock) and
its count starts from zero then. Over a limit the answer is \`429\` (\`too-many-requests\`) with
\`Retry-After\` (seconds until the window ends) and \`RateLimit-Limit\`, \`RateLimit-Remaining\` (0) and
\`RateLimit-Reset\` (seconds until the window ends). Answers that were counted carry the same three
\`RateLimit-*\` headers, for the limit closest to running out.

An (email, address) pair that used up its failed sign-ins gets \`429\` even with the right password
until its window ends; the same email from another address is not affected, and a successful sign-in
does not count. IPv6 addresses are counted per /64.

Each account also paces failed sign-ins from every address together: after 5 failures in a row the
next attempt must wait 1 s, then 2, 4… up to 60 s, and is answered \`429\` with \`Retry-After\` until
then, even with the right password. The wait is capped, so nobody can lock an account for longer; a
successful sign-in resets it.

Uploads are admitted before their body is read: the \`upload\` limit (the web form counts each of
its files), then room in the quotas, then at most \`MAX_CONCURRENT_UPLOADS_PER_USER\` (default 4)
uploads of one user in progress at once, across every web process. One more answers \`429\`
(\`too-many-uploads-in-flight\`) with \`Retry-After\`; retry when one of the others has finished.

## Quotas
When \`QUOTA_MAX_IMAGES_PER_USER\` or \`QUOTA_MAX_BYTES_PER_USER\` (sum of the originals' \`byteSize\`) is
set, an upload that would go over answers \`403\` (\`quota-exceeded\`) naming the limit, and stores
nothing. Not \`413\` (the file itself is acceptable) nor \`429\` (waiting does not help): deleting
images does.

## Webhooks
Register an endpoint with \`POST /api/webhooks\` to be told when your images change, instead of
polling. Events: \`image.completed\` (\`overallStatus\` became \`completed\` or \`partial\`),
\`image.failed\` (it became \`failed\`), \`image.deleted\`, and \`webhook.test\` on request. Each event
is recorded in the same transaction as the change that caused it, so none is lost or sent for a
change that was rolled back.

Each delivery is a \`POST\` of a \`WebhookEvent\` (\`{ id, type, createdAt, data }\`) as JSON, with
[Standard Webhooks](https://www.standardwebhooks.com) headers: \`webhook-id\` (the event id, the same
on every retry), \`webhook-timestamp\` (Unix seconds) and \`webhook-signature: v1,<base64>\`, an
HMAC-SHA256 of \`{webhook-id}.{webhook-timestamp}.{body}\` keyed with the base64-decoded part of the
secret after \`whsec_\`; plus \`User-Agent: Darkroom-Webhooks/1\`. Verify the signature over the raw
body, and reject old timestamps to stop replays.

Any \`2xx\` within 10 s is a success. Anything else (another status, a redirect, which is not
followed, a timeout, a refused connection) is retried with exponential backoff (about 3 s, 7 s,
20 s, 55 s, 2.5 min, 7 min, 18 min), 8 attempts in all; then the delivery is \`failed\`. The address
is checked again before every attempt, and the connection goes to the address checked: a host that
now resolves to a private address fails the delivery at once, without retries. Every attempt is
recorded in the delivery log (\`GET /api/webhooks/{id}/deliveries\`).

A webhook can be disabled (\`PATCH /api/webhooks/{id}\` with \`{"enabled": false}\`): while it is, no
events are recorded for it, and deliveries still queued are not sent (they fail with \`Webhook disabled;
not sent.\`). Darkroom disables a webhook itself when \`WEBHOOK_DISABLE_AFTER_FAILURES\` (default 5;
0 never) of its deliveries in a row have failed for good; a successful delivery starts the count
again. \`enabled\`, \`disabledAt\` and \`disabledReason\` say so; \`{"enabled": true}\` turns it back on.
Events that happened meanwhile are not sent later, but any delivery in the log can be sent again with
\`POST /api/webhooks/{id}/deliveries/{deliveryId}/retry\`: the same event (the same \`webhook-id\` and
body) as a new delivery.

## CORS
Only the origins in \`CORS_ORIGINS\` (none by default) may call the API from a browser: preflights
are answered for \`GET\`, \`POST\`, \`PATCH\`, \`DELETE\` with \`Authorization\`, \`Content-Type\`,
\`Idempotency-Key\` and \`If-None-Match\`, and \`Location\`, \`ETag\`, \`RateLimit-*\`, \`Retry-After\` and
\`Idempotent-Replayed\` are exposed. No credentials: such callers use bearer tokens.

## Example
\`\`\`sh
BASE=http://localhost:3000
TOKEN=$(curl -s "$BASE/api/auth/register" -H 'Content-Type: application/json' \\
  -d '{"email":"me@example.com","password":"correct horse battery"}' | jq -r .token)

# Upload; the answer is 202 with the image and Location: /api/images/{id}
ID=$(curl -s "$BASE/api/images" -H "Authorization: Bearer $TOKEN" \\
  -H 'Idempotency-Key: holiday-0001' -F file=@photo.jpg | jq -r .id)

# Poll until overallStatus is completed, partial or failed
curl -s "$BASE/api/images/$ID" -H "Authorization: Bearer $TOKEN" | jq .overallStatus

# Download the optimized copy (302 to a signed URL)
curl -sL -o photo.webp "$BASE/api/images/$ID/download?variant=optimized" \\
  -H "Authorization: Bearer $TOKEN"
\`\`\``,
	},
	servers: [{ url: '/', description: 'This Darkroom instance' }],
	tags: [
		{ name: 'Auth', description: 'Accounts, tokens and the current user.' },
		{ name: 'Images', description: 'Upload, list, inspect, process, download and delete images.' },
		{
			name: 'Trash',
			description: 'Deleted images, restorable for TRASH_DAYS (default 30) days.',
		},
		{ name: 'Usage', description: 'Tokens and cost of the AI analysis.' },
		{ name: 'Webhooks', description: 'Calls to your endpoints when your images change.' },
		{ name: 'Operations', description: 'Health and this document.' },
	],
	security: [{ bearerAuth: [] }, { apiKeyAuth: [] }, { cookieAuth: [] }],
	paths: withAbuseResponses(
		withScopes({
			'/api/auth/register': {
				description: methodsNote('POST'),
				post: {
					tags: ['Auth'],
					operationId: 'register',
					summary: 'Create an account and get a token',
					description:
						'Creates a user and answers with a bearer token for it. Emails are trimmed, lower-cased and compare case-insensitively.',
					security: [],
					requestBody: { required: true, content: jsonBody('RegisterRequest') },
					responses: {
						'201': { description: 'Created.', content: jsonBody('AuthResponse') },
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'409': problem('Conflict', 'An account with this email already exists.'),
						'422': problem(
							'ValidationFailed',
							'Invalid email, or a password shorter than 8 or longer than 256 characters, on the shipped list of common or breached passwords, or equal to the email.',
						),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/auth/login': {
				description: methodsNote('POST'),
				post: {
					tags: ['Auth'],
					operationId: 'login',
					summary: 'Log in and get a token',
					description:
						'Each login creates a new token; earlier ones keep working until they expire or are revoked.',
					security: [],
					requestBody: { required: true, content: jsonBody('LoginRequest') },
					responses: {
						'200': { description: 'Logged in.', content: jsonBody('AuthResponse') },
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem(
							'Unauthorized',
							'Incorrect email or password: one answer for an unknown email and a wrong password.',
						),
						'422': problem(
							'ValidationFailed',
							'`email` or `password` is missing, not a string or too long.',
						),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/auth/logout': {
				description: methodsNote('POST'),
				post: {
					tags: ['Auth'],
					operationId: 'logout',
					summary: 'Revoke the current token',
					description:
						'Revokes the token (or cookie session) that authenticated this request; it stops working at once. No body is needed.',
					responses: {
						'204': { description: 'Revoked.' },
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/me': {
				description: methodsNote('GET'),
				get: {
					tags: ['Auth'],
					operationId: 'getMe',
					summary: 'The current user',
					responses: {
						'200': { description: 'The authenticated user.', content: jsonBody('MeResponse') },
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/tokens': {
				description: methodsNote('GET, POST'),
				get: {
					tags: ['Auth'],
					operationId: 'listApiTokens',
					summary: "List the caller's personal API tokens",
					description:
						"The caller's personal API tokens that are not revoked, newest first: never their secrets. An expired token stays listed (with its past `expiresAt`) until cleanup removes it a day later. Login tokens and browser sessions are listed by `GET /api/sessions`.",
					responses: {
						'200': { description: 'The tokens.', content: jsonBody('ApiTokenList') },
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
				post: {
					tags: ['Auth'],
					operationId: 'createApiToken',
					summary: 'Create a personal API token',
					description: `Creates a named, long-lived token for scripts and other services. The answer is the only
time its \`secret\` is shown: only its SHA-256 is stored. Use it as \`Authorization: Bearer <secret>\`
or \`X-API-Key: <secret>\`. Without \`expiresInDays\` (or with \`null\`) it never expires.

\`scopes\` says what it may do. Without \`scopes\`, it gets the scopes of the credential that makes
it: every scope when made with a sign-in token or the browser session, as before scopes existed.
A personal token may make tokens only if it has the \`tokens\` scope, and never with a scope it does
not hold itself (\`403\` \`insufficient-scope\` naming it). A user holds at most 50 active
(unrevoked, unexpired) personal tokens; one more answers \`409\`.`,
					requestBody: { required: true, content: jsonBody('CreateApiTokenRequest') },
					responses: {
						'201': {
							description: 'Created: the token and its secret, shown this once.',
							content: jsonBody('CreatedApiToken'),
						},
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem('Unauthorized'),
						'409': {
							description: 'The caller already holds 50 active personal tokens (`conflict`).',
							content: problemContent({
								type: problemType('conflict'),
								title: 'Conflict',
								status: 409,
								detail:
									'You already have 50 active API tokens, the most allowed. Revoke one you no longer use first.',
							}),
						},
						'422': problem(
							'ValidationFailed',
							'`name` missing, blank or over 100 characters after trimming; `expiresInDays` not an integer from 1 to 3650; `scopes` empty or naming an unknown scope.',
						),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/tokens/{id}': {
				description: methodsNote('DELETE'),
				parameters: [parameter('ApiTokenId')],
				delete: {
					tags: ['Auth'],
					operationId: 'revokeApiToken',
					summary: 'Revoke a personal API token',
					description:
						'Revokes the token: it stops working at once, for `Authorization: Bearer` and `X-API-Key` alike, and leaves the list.',
					responses: {
						'204': { description: 'Revoked.' },
						'401': problem('Unauthorized'),
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
						'500': problem('InternalError'),
					},
				},
			},
			'/api/sessions': {
				description: methodsNote('GET'),
				get: {
					tags: ['Auth'],
					operationId: 'listSessions',
					summary: 'List where the caller is signed in',
					description:
						"The caller's live browser sessions and API sign-in tokens (from `POST /api/auth/login` and `POST /api/auth/register`): the current one first (`current: true`), then by last use. Never their secrets. Personal tokens are listed by `GET /api/tokens`. `userAgent` and `ip` are the client's when the session was made, noted again whenever `lastUsedAt` is (at most once a minute).",
					responses: {
						'200': { description: 'The sessions.', content: jsonBody('SessionList') },
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/sessions/{id}': {
				description: methodsNote('DELETE'),
				parameters: [parameter('SessionId')],
				delete: {
					tags: ['Auth'],
					operationId: 'revokeSession',
					summary: 'Sign out one browser session or API sign-in',
					description:
						'Revokes it at once: that browser is signed out, that token answers `401`, and its event streams close. Revoking the current one signs the caller out.',
					responses: {
						'204': { description: 'Signed out.' },
						'401': problem('Unauthorized'),
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
						'500': problem('InternalError'),
					},
				},
			},
			'/api/images': {
				description: methodsNote('GET, POST'),
				get: {
					tags: ['Images'],
					operationId: 'listImages',
					summary: "List the caller's images",
					description: `The caller's images, newest first unless \`sort\` says otherwise, a page at a time.
Filters combine (all must match):

- \`status\` filters on \`overallStatus\`;
- \`q\` searches the file name (any part of it), AI summary, tags and OCR text;
- \`tag\` keeps images whose AI tags include this tag exactly;
- \`type\` keeps images of one format (decided from the bytes at upload);
- \`from\` and \`to\` keep images uploaded (or, with \`date=taken\`, taken) on those UTC days (both included).

An empty filter value (\`q=\`) means no filter. Out-of-range or malformed \`page\`, \`pageSize\`,
\`status\`, \`sort\`, \`type\`, \`date\`, \`from\` or \`to\`, a \`from\` after \`to\`, a \`q\` longer than 200
characters or a \`tag\` longer than 64 characters answer \`422\`.${conditionalGet('page')}`,
					parameters: [
						parameter('Page'),
						parameter('PageSize'),
						parameter('StatusFilter'),
						parameter('SearchQuery'),
						parameter('TagFilter'),
						parameter('ListSort'),
						parameter('TypeFilter'),
						parameter('DateField'),
						parameter('CreatedFrom'),
						parameter('CreatedTo'),
						parameter('IfNoneMatch'),
					],
					responses: {
						'200': {
							description: 'One page of images.',
							headers: cacheHeaders,
							content: jsonBody('ImageList'),
						},
						'304': { $ref: '#/components/responses/NotModified' },
						'401': problem('Unauthorized'),
						'422': problem(
							'ValidationFailed',
							'A bad `page`, `pageSize`, `status`, `sort`, `type`, `date`, `from` or `to`; `from` after `to`; a `q` over 200 or a `tag` over 64 characters.',
						),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
				post: uploadOperation('uploadImage', 'Upload an image'),
			},
			'/api/images/upload': {
				description: `Alias of \`POST /api/images\`. ${methodsNote('POST')}`,
				post: uploadOperation(
					'uploadImageAlias',
					'Upload an image (alias)',
					'Identical to `POST /api/images`.\n\n',
				),
			},
			'/api/images/process': {
				description: methodsNote('POST'),
				post: {
					tags: ['Images'],
					operationId: 'processImages',
					summary: 'Run stages again for several images',
					description: `Runs the given stages again for up to 100 of the caller's images, all or none: if any id
is not one of the caller's images, nothing changes and the answer is \`404\`. Repeated ids count once.
The answer holds one image detail per distinct id, in no particular order. See
\`POST /api/images/{id}/process\` for what each stage does.`,
					requestBody: { required: true, content: jsonBody('BatchProcessRequest') },
					responses: {
						'202': {
							description: 'Accepted: the images as they are now.',
							content: jsonBody('BatchProcessResponse'),
						},
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem('Unauthorized'),
						'404': problem('NotFound', "One or more of the ids is not one of the caller's images."),
						'409': problem(
							'Conflict',
							'Only the `ai` stage was asked for, but the image stage of one of the images failed: process stage `image` again.',
						),
						'422': problem(
							'ValidationFailed',
							'`ids` missing, empty, longer than 100 or not UUIDs; or bad `stages`.',
						),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
			},
			'/api/images/{id}': {
				description: methodsNote('GET, DELETE'),
				parameters: [parameter('ImageId')],
				get: {
					tags: ['Images'],
					operationId: 'getImage',
					summary: 'One image',
					description: `The image detail, with signed variant URLs valid until \`urlsExpireAt\`.${conditionalGet('image')}`,
					parameters: [parameter('IfNoneMatch')],
					responses: {
						'200': {
							description: 'The image.',
							headers: cacheHeaders,
							content: jsonBody('ImageDetail'),
						},
						'304': { $ref: '#/components/responses/NotModified' },
						'401': problem('Unauthorized'),
						'404': problem('NotFound'),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
				delete: {
					tags: ['Images'],
					operationId: 'deleteImage',
					summary: 'Delete an image',
					description: `The image is gone for every other operation (\`404\`), its pending jobs are removed and
signed URLs handed out for it stop working. It waits in the trash for \`TRASH_DAYS\` (default 30) days, where
\`POST /api/trash/{id}/restore\` brings it back, and is then removed with every stored object of it. With
\`TRASH_DAYS=0\` it is removed at once. Webhooks get \`image.deleted\` now, not again when the trash is purged.
When storage cannot be reached the answer is \`503\` and nothing changed.`,
					responses: {
						'204': { description: 'Deleted.' },
						'401': problem('Unauthorized'),
						'404': problem('NotFound'),
						'500': problem('InternalError'),
						'503': problem(
							'StorageUnavailable',
							'Storage could not move the files; nothing changed.',
						),
					},
				},
			},
			'/api/trash': {
				description: methodsNote('GET, DELETE'),
				get: {
					tags: ['Trash'],
					operationId: 'listTrash',
					summary: 'Images in the trash',
					description: `The caller's deleted images, most recently deleted first, each with \`deletedAt\` and
\`expiresAt\` (when the hourly purge removes it). Thumbnail URLs are signed for the trashed files. ${SIGNED_URL_LIFETIME}`,
					parameters: [parameter('Page'), parameter('PageSize')],
					responses: {
						'200': { description: 'One page of the trash.', content: jsonBody('TrashList') },
						'401': problem('Unauthorized'),
						'422': problem('ValidationFailed', '`page` or `pageSize` out of range.'),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
				delete: {
					tags: ['Trash'],
					operationId: 'emptyTrash',
					summary: 'Empty the trash',
					description:
						"Removes every image in the caller's trash now, with all its stored objects. Objects storage cannot remove now are retried by the cleanup task.",
					responses: {
						'200': {
							description: 'How many images were removed.',
							content: {
								'application/json': {
									schema: {
										type: 'object',
										required: ['purged'],
										properties: { purged: { type: 'integer', minimum: 0 } },
									},
								},
							},
						},
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/trash/{id}/restore': {
				description: methodsNote('POST'),
				parameters: [parameter('ImageId')],
				post: {
					tags: ['Trash'],
					operationId: 'restoreImage',
					summary: 'Restore an image from the trash',
					description:
						'Moves the image and its files back; stages it had not finished are queued again. Answers the image detail, with new signed URLs.',
					responses: {
						'200': { description: 'The restored image.', content: jsonBody('ImageDetail') },
						'401': problem('Unauthorized'),
						'404': problem('NotFound', "No image with this id in the caller's trash."),
						'500': problem('InternalError'),
						'503': problem(
							'StorageUnavailable',
							'Storage could not move the files; nothing changed.',
						),
					},
				},
			},
			'/api/images/{id}/download': {
				description: methodsNote('GET'),
				parameters: [parameter('ImageId')],
				get: {
					tags: ['Images'],
					operationId: 'downloadImage',
					summary: 'Download a variant',
					description: `Redirects to a signed URL for the variant, served as an attachment
(\`Content-Disposition: attachment\`; thumbnail and optimized copies are named \`<name>-thumbnail.webp\`
and \`<name>-optimized.webp\`). ${SIGNED_URL_LIFETIME}
While the variant does not exist yet (the image stage has not completed) the answer is \`404\`.`,
					parameters: [parameter('Variant')],
					responses: {
						'302': {
							description: 'Found: `Location` is a signed URL of the variant.',
							headers: {
								Location: header('SignedUrlLocation'),
								'Cache-Control': {
									description: 'Always `no-store`.',
									schema: { type: 'string', const: 'no-store' },
								},
							},
						},
						'401': problem('Unauthorized'),
						'404': problem('NotFound', 'No such image, or this variant does not exist yet.'),
						'422': problem('ValidationFailed', 'An unknown `variant`.'),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
			},
			'/api/images/{id}/process': {
				description: methodsNote('POST'),
				parameters: [parameter('ImageId')],
				post: {
					tags: ['Images'],
					operationId: 'processImage',
					summary: 'Run stages again for one image',
					description: `Runs the given stages of the image again; the body is optional (default both stages).

- With \`image\`: \`status\` and \`aiStatus\` go back to \`pending\`, \`error\` and \`aiError\` are
  cleared and the image stage is queued; the AI stage follows it.
- With only \`ai\`: only the analysis runs again; the image stage, its files and metadata are kept.
  If the image stage completed, \`aiStatus\` goes back to \`pending\`, \`aiError\` is cleared and the
  analysis is queued (with no AI provider configured it is \`skipped\` again). Use it to retry after
  \`aiStatus: failed\` (\`overallStatus: partial\`) or after changing the model. If the image stage is
  still to come it decides the AI stage itself; if the image stage failed the answer is \`409\`.

Until a new analysis completes, \`ai\` keeps the previous result (if any).`,
					requestBody: { required: false, content: jsonBody('ProcessRequest') },
					responses: {
						'202': {
							description: 'Accepted: the image as it is now.',
							content: jsonBody('ImageDetail'),
						},
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem('Unauthorized'),
						'404': problem('NotFound'),
						'409': problem(
							'Conflict',
							'Only the `ai` stage was asked for, but the image stage failed: process stage `image` again.',
						),
						'422': problem('ValidationFailed', 'Bad `stages`.'),
						'500': problem('InternalError'),
						'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
					},
				},
			},
			'/api/usage': {
				description: methodsNote('GET'),
				get: {
					tags: ['Usage'],
					operationId: 'getUsage',
					summary: 'AI usage and cost',
					description: `The caller's AI analyses in whole UTC days \`from\`..\`to\` (both included), with their
tokens and cost, in total and per model. Default: the last 30 days up to today (UTC); with only
\`to\`, the 30 days ending then; with only \`from\`, up to today.

An analysis counts on the day it completed. Each existing image counts once, with its latest
completed analysis: a deleted image, or an analysis replaced by a re-run, no longer counts.
Analyses by the \`local\` provider or by models missing from the price table count with cost 0.`,
					parameters: [parameter('UsageFrom'), parameter('UsageTo')],
					responses: {
						'200': { description: 'The totals.', content: jsonBody('Usage') },
						'401': problem('Unauthorized'),
						'422': problem(
							'ValidationFailed',
							'`from` or `to` is not a `YYYY-MM-DD` date, or `from` is after `to`.',
						),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/events': {
				description: methodsNote('GET'),
				get: {
					tags: ['Images'],
					operationId: 'streamImageEvents',
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
- A \`: ping\` comment every 15 s keeps proxies from closing an idle stream.
- The stream starts with \`retry: 2000\`: a dropped stream is reopened after 2 s by EventSource.
  Events committed while no stream was open are not replayed: reload once the stream is open again.

The response is neither compressed nor buffered (\`Cache-Control: no-cache, no-transform\`,
\`X-Accel-Buffering: no\`). When the server stops, open streams are closed at once and clients
reconnect. Each web process allows 20 open streams per user; opening the stream counts once against
the \`read\` rate limit. A stream whose token or session is revoked (sign-out, \`DELETE /api/tokens/{id}\`) or
expires ends at its next ping.`,
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
									example:
										'retry: 2000\n: connected\n\nevent: image\ndata: {"id":"3f2c8a4e-5b1d-4c7e-9a0f-1e2d3c4b5a69","type":"update","status":"completed","aiStatus":"processing","overallStatus":"processing","updatedAt":"2025-01-01T12:00:00.5+00:00"}\n\n: ping\n\n',
								},
							},
						},
						'401': problem('Unauthorized'),
						'429': {
							description:
								'Either `too-many-streams`: the caller already has 20 streams open on this web process (close one; `Retry-After` says when to try again), or over the `read` rate limit (`too-many-requests`, see `TooManyRequests`).',
							headers: { 'Retry-After': header('RetryAfter') },
							content: problemContent({
								type: problemType('too-many-streams'),
								title: 'Too many event streams',
								status: 429,
								detail:
									'At most 20 event streams may be open at once per user; close one (another tab or client) and try again.',
							}),
						},
						'500': problem('InternalError'),
						'503': {
							description:
								'The server cannot listen for changes right now (`events-unavailable`); retry after `Retry-After` seconds, and poll meanwhile.',
							headers: { 'Retry-After': header('RetryAfter') },
							content: problemContent({
								type: problemType('events-unavailable'),
								title: 'Live events unavailable',
								status: 503,
								detail: 'Live events are unavailable right now; retry shortly.',
							}),
						},
					},
				},
			},
			'/api/webhooks': {
				description: methodsNote('GET, POST'),
				get: {
					tags: ['Webhooks'],
					operationId: 'listWebhooks',
					summary: "List the caller's webhooks",
					description:
						'Oldest first. The signing secrets are not included: they are shown only on creation.',
					responses: {
						'200': { description: 'The webhooks.', content: jsonBody('WebhookList') },
						'401': problem('Unauthorized'),
						'500': problem('InternalError'),
					},
				},
				post: {
					tags: ['Webhooks'],
					operationId: 'createWebhook',
					summary: 'Register a webhook',
					description: `Registers an endpoint to be called when the caller's images change; see "Webhooks"
above for the events, the payload, the signature and retries. The answer carries the signing
secret, **shown this once**: keep it to verify deliveries (delete the webhook and register it again
if it is lost).

The URL must be \`https://\` (plain \`http://\` only when \`WEBHOOK_ALLOW_HTTP\` is set), without a
user name or password, and its host must resolve, to public addresses only: loopback, private
(RFC 1918, \`fc00::/7\`), carrier-grade NAT (\`100.64.0.0/10\`), link-local, unspecified, multicast,
documentation and reserved ranges, also inside IPv4-mapped or NAT64 IPv6 addresses, answer \`422\`
naming the reason (unless \`WEBHOOK_ALLOW_PRIVATE_ADDRESSES\` is set). At most 10 webhooks per user.`,
					requestBody: { required: true, content: jsonBody('CreateWebhookRequest') },
					responses: {
						'201': {
							description: 'Created; `secret` is shown only now.',
							headers: { Location: header('WebhookLocation') },
							content: jsonBody('CreatedWebhook'),
						},
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem('Unauthorized'),
						'409': problem(
							'Conflict',
							'The caller already has 10 webhooks, the most allowed; delete one first.',
						),
						'422': {
							description:
								'Invalid input (`validation`): a missing or malformed `url`, unknown or empty `events`, a `description` over 200 characters; or a URL that may not be called (not https, credentials, a host that does not resolve or resolves to a non-public address), with the reason under path `url`.',
							content: problemContent({
								type: problemType('validation'),
								title: 'Invalid input',
								status: 422,
								detail:
									'url: localhost resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses.',
								errors: [
									{
										path: 'url',
										message:
											'localhost resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses.',
									},
								],
							}),
						},
						'500': problem('InternalError'),
					},
				},
			},
			'/api/webhooks/{id}': {
				description: methodsNote('GET, PATCH, DELETE'),
				parameters: [parameter('WebhookId')],
				get: {
					tags: ['Webhooks'],
					operationId: 'getWebhook',
					summary: 'One webhook and its recent deliveries',
					description:
						'The webhook (without its secret) and its 20 latest deliveries, newest first.',
					responses: {
						'200': { description: 'The webhook.', content: jsonBody('WebhookDetail') },
						'401': problem('Unauthorized'),
						'404': problem('WebhookNotFound'),
						'500': problem('InternalError'),
					},
				},
				patch: {
					tags: ['Webhooks'],
					operationId: 'updateWebhook',
					summary: 'Edit, disable or enable a webhook',
					description: `Changes the fields given and keeps the others; an empty object changes nothing. The rules
are those of registration: a new \`url\` is checked the same way (\`https://\`, public addresses
only, unless configured otherwise) and a refused one answers \`422\` naming the reason under path
\`url\`. The signing secret stays the same.

- \`enabled: false\` disables the webhook: no events are recorded for it from then on, and deliveries
  still queued fail as not sent. A webhook already disabled keeps its \`disabledAt\` and
  \`disabledReason\`.
- \`enabled: true\` enables it again and clears \`disabledAt\`, \`disabledReason\` and the count of
  failed deliveries in a row; so does a new \`url\` for that count.
- \`description\`: \`null\` or \`""\` removes it.`,
					requestBody: { required: true, content: jsonBody('UpdateWebhookRequest') },
					responses: {
						'200': {
							description: 'The webhook as it is now.',
							content: jsonBody('WebhookResponse'),
						},
						'400': problem('BadRequest', 'The body is not valid JSON.'),
						'401': problem('Unauthorized'),
						'404': problem('WebhookNotFound'),
						'422': {
							description:
								'Invalid input (`validation`): a malformed `url`, unknown or empty `events`, a `description` over 200 characters, an `enabled` that is not a boolean; or a URL that may not be called, with the reason under path `url`. Nothing is changed.',
							content: problemContent({
								type: problemType('validation'),
								title: 'Invalid input',
								status: 422,
								detail:
									'url: 10.0.0.7 is a private (RFC 1918) address; webhooks may only call public addresses.',
								errors: [
									{
										path: 'url',
										message:
											'10.0.0.7 is a private (RFC 1918) address; webhooks may only call public addresses.',
									},
								],
							}),
						},
						'500': problem('InternalError'),
					},
				},
				delete: {
					tags: ['Webhooks'],
					operationId: 'deleteWebhook',
					summary: 'Delete a webhook',
					description:
						'Removes the webhook and its delivery log. Deliveries still queued or waiting for a retry are not sent.',
					responses: {
						'204': { description: 'Deleted.' },
						'401': problem('Unauthorized'),
						'404': problem('WebhookNotFound'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/webhooks/{id}/test': {
				description: methodsNote('POST'),
				parameters: [parameter('WebhookId')],
				post: {
					tags: ['Webhooks'],
					operationId: 'testWebhook',
					summary: 'Send a test event',
					description:
						'Queues a `webhook.test` event for this webhook alone, whatever events it subscribes to, and answers with its delivery (`pending`). It is sent, signed and retried like any other event; follow it in the delivery log. No body is needed.',
					responses: {
						'202': { description: 'Queued.', content: jsonBody('TestWebhookResponse') },
						'401': problem('Unauthorized'),
						'404': problem('WebhookNotFound'),
						'409': problem('WebhookDisabled'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/webhooks/{id}/deliveries/{deliveryId}/retry': {
				description: methodsNote('POST'),
				parameters: [parameter('WebhookId'), parameter('DeliveryId')],
				post: {
					tags: ['Webhooks'],
					operationId: 'retryWebhookDelivery',
					summary: 'Send a delivery again',
					description:
						"Queues the event of one of the webhook's deliveries (whatever its status, typically `failed`) again, as a new delivery: the same event id (`webhook-id`, what receivers deduplicate on), type and payload, signed with the current secret and sent to the current URL, with retries like any delivery. Answers with the new delivery (`pending`); the old one stays in the log as it was. No body is needed.",
					responses: {
						'202': { description: 'Queued.', content: jsonBody('ResentDelivery') },
						'401': problem('Unauthorized'),
						'404': problem('WebhookDeliveryNotFound'),
						'409': problem('WebhookDisabled'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/webhooks/{id}/deliveries': {
				description: methodsNote('GET'),
				parameters: [parameter('WebhookId')],
				get: {
					tags: ['Webhooks'],
					operationId: 'listWebhookDeliveries',
					summary: "A webhook's recent deliveries",
					description: 'The latest deliveries of the webhook, newest first.',
					parameters: [parameter('DeliveryLimit')],
					responses: {
						'200': { description: 'The deliveries.', content: jsonBody('DeliveryList') },
						'401': problem('Unauthorized'),
						'404': problem('WebhookNotFound'),
						'422': problem('ValidationFailed', '`limit` is not an integer from 1 to 100.'),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/admin/retention/sweep': {
				description: methodsNote('POST'),
				post: {
					tags: ['Operations'],
					operationId: 'sweepRetention',
					summary: 'Run the retention sweep now (admins)',
					description: `Deletes every image older than \`olderThanDays\` (default \`RETENTION_DAYS\`) with all its
files, in batches of \`CLEANUP_BATCH_SIZE\`, and answers how many were removed. The same sweep runs
from the worker's crontab when \`RETENTION_DAYS\` is set. Only admins may call it: the first account of
the instance, and accounts granted the role with \`npm run admin -- grant EMAIL\`.`,
					requestBody: {
						required: false,
						content: {
							'application/json': {
								schema: {
									type: 'object',
									additionalProperties: false,
									properties: { olderThanDays: { type: 'integer', minimum: 1 } },
								},
							},
						},
					},
					responses: {
						'200': {
							description: 'The sweep ran; `removed` images are gone with their files.',
							content: {
								'application/json': {
									schema: {
										type: 'object',
										required: ['removed'],
										properties: { removed: { type: 'integer', minimum: 0 } },
									},
								},
							},
						},
						'400': problem('BadRequest'),
						'401': problem('Unauthorized'),
						'403': {
							description:
								'The caller is not an administrator (`forbidden`), a personal token without the `write` scope (`insufficient-scope`), or `cross-site-request`.',
							content: problemContent({
								type: problemType('forbidden'),
								title: 'Forbidden',
								status: 403,
								detail: 'This action is reserved for administrators.',
							}),
						},
						'422': problem(
							'ValidationFailed',
							'Neither `olderThanDays` nor `RETENTION_DAYS` is set, or the value is not a positive integer.',
						),
						'500': problem('InternalError'),
					},
				},
			},
			'/api/health': {
				description:
					'Only `GET` is served. Not authenticated: for load balancers and orchestrators.',
				get: {
					tags: ['Operations'],
					operationId: 'getHealth',
					summary: 'Health of the database, storage and queue',
					description:
						'Probes the database, object storage and the job queue, each with a 3 s timeout. Answers `200` when all are `ok`, else `503` naming the failing checks. Never cached.',
					security: [],
					responses: {
						'200': {
							description: 'Every check is ok.',
							content: { 'application/json': { schema: schema('HealthOk') } },
						},
						'503': {
							description: 'At least one check is failing; `failing` names them.',
							content: {
								'application/json': {
									schema: schema('HealthFailing'),
									example: {
										status: 'failing',
										failing: ['storage'],
										checks: { database: 'ok', storage: 'failing', queue: 'ok' },
									},
								},
							},
						},
					},
				},
			},
			'/api/openapi.json': {
				description: methodsNote('GET'),
				get: {
					tags: ['Operations'],
					operationId: 'getOpenApiDocument',
					summary: 'This document',
					description: 'The OpenAPI 3.1 description of this API. Cacheable for 5 minutes.',
					security: [],
					responses: {
						'200': {
							description: 'The OpenAPI document.',
							headers: {
								'Cache-Control': {
									description: '`public, max-age=300`.',
									schema: { type: 'string' },
								},
							},
							content: {
								'application/json': {
									schema: {
										type: 'object',
										description: 'An OpenAPI 3.1 document.',
										required: ['openapi', 'info', 'paths'],
									},
								},
							},
						},
					},
				},
			},
		}),
	),
	components: {
		securitySchemes: {
			bearerAuth: {
				type: 'http',
				scheme: 'bearer',
				bearerFormat: 'opaque (drk_…)',
				description:
					'A token from `POST /api/auth/register`, `POST /api/auth/login` or `POST /api/tokens` (personal). Missing, expired or revoked: `401` with `WWW-Authenticate: Bearer`.',
			},
			apiKeyAuth: {
				type: 'apiKey',
				in: 'header',
				name: 'X-API-Key',
				description:
					'The same tokens as `bearerAuth` (usually a personal token from `POST /api/tokens`), in the header clients of the older service send. Used only when no `Authorization: Bearer` header is sent. Unknown, expired or revoked: `401` with `WWW-Authenticate: Bearer`.',
			},
			cookieAuth: {
				type: 'apiKey',
				in: 'cookie',
				name: 'darkroom_session',
				description:
					"The browser UI's signed session cookie (HttpOnly, SameSite=Lax, Secure in production), accepted for same-origin calls. Ignored when an `Authorization` or `X-API-Key` header is sent.",
			},
		},
		parameters: {
			SessionId: {
				name: 'id',
				in: 'path',
				required: true,
				description:
					"The session's id, from `GET /api/sessions`. A value that is not a UUID, an unknown id and another user's session all answer `404`.",
				schema: uuid,
			},
			ApiTokenId: {
				name: 'id',
				in: 'path',
				required: true,
				description:
					"The personal token's id. A value that is not a UUID, an unknown id and another user's token all answer `404`.",
				schema: uuid,
			},
			IfNoneMatch: {
				name: 'If-None-Match',
				in: 'header',
				description:
					'ETags of copies the client holds (e.g. the last `ETag` answered); when one matches the current answer (weak comparison; `*` matches any), the answer is `304` without a body.',
				schema: { type: 'string' },
				example: 'W/"3q2-7wR1c0Zx9bJf4s8mKqA1dVhY0uE"',
			},
			ImageId: {
				name: 'id',
				in: 'path',
				required: true,
				description:
					"The image id. A value that is not a UUID, an unknown id and another user's image all answer `404`.",
				schema: uuid,
			},
			WebhookId: {
				name: 'id',
				in: 'path',
				required: true,
				description:
					"The webhook id. A value that is not a UUID, an unknown id and another user's webhook all answer `404`.",
				schema: uuid,
			},
			DeliveryId: {
				name: 'deliveryId',
				in: 'path',
				required: true,
				description:
					"The delivery id, from the delivery log. A value that is not a UUID, an unknown id and another webhook's or user's delivery all answer `404`.",
				schema: uuid,
			},
			DeliveryLimit: {
				name: 'limit',
				in: 'query',
				description: 'How many deliveries, newest first.',
				schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
			},
			Page: {
				name: 'page',
				in: 'query',
				description: '1-based page number. Pages past the end are empty.',
				schema: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
			},
			PageSize: {
				name: 'pageSize',
				in: 'query',
				description: 'Images per page.',
				schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
			},
			StatusFilter: {
				name: 'status',
				in: 'query',
				description:
					'Only images with this `overallStatus`. An empty value (`status=`) means no filter.',
				schema: { type: 'string', enum: [...overallStatuses] },
			},
			SearchQuery: {
				name: 'q',
				in: 'query',
				description: `Terms to search for, case-insensitive. A term matches any part of the file name
(\`rock\` finds \`rocket-copy-2.jpg\`; \`camera-4000x3000\` finds \`camera-4000x3000.jpg\`), or words of
the AI summary, tags and OCR text, the last word as a prefix (PostgreSQL full-text search, \`simple\`
configuration: no stemming, as OCR text comes in any language). Every term must match. Web-search
syntax: \`"quoted phrase"\` (whole words, no prefix), \`a or b\` (either), \`-word\` (exclude images
the term would find); the minus excludes only at the start or after a space, so a hyphen inside a
name is part of it. Trimmed; 1–200 characters, otherwise \`422\`; empty means no filter.`,
				schema: { type: 'string', minLength: 1, maxLength: 200 },
				example: 'sunset beach',
			},
			TagFilter: {
				name: 'tag',
				in: 'query',
				description:
					'Only images whose AI `tags` include this tag exactly (trimmed and lower-cased first, as tags are stored). 1–64 characters, otherwise `422`; empty means no filter.',
				schema: { type: 'string', minLength: 1, maxLength: 64 },
				example: 'beach',
			},
			ListSort: {
				name: 'sort',
				in: 'query',
				description: `Order of the list: \`newest\` (default) or \`oldest\` by upload time, \`name\` by file
name (A to Z, case-insensitive), \`size\` by the original's byte size (largest first),
\`taken-newest\` or \`taken-oldest\` by when the photo was taken (EXIF \`metadata.exif.takenAt\`; images
without it come last either way). Empty means the default.`,
				schema: { type: 'string', enum: [...listSorts], default: 'newest' },
			},
			DateField: {
				name: 'date',
				in: 'query',
				description:
					'Which date `from` and `to` apply to: `uploaded` (default, `createdAt`) or `taken` (EXIF `metadata.exif.takenAt`; images without it never match a range). Empty means the default.',
				schema: { type: 'string', enum: [...listDates], default: 'uploaded' },
			},
			TypeFilter: {
				name: 'type',
				in: 'query',
				description:
					'Only images of this format, as detected from the bytes at upload (`heif` covers HEIC and HEIF; `png` includes animated PNG). Empty means no filter.',
				schema: { type: 'string', enum: ['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'heif'] },
			},
			CreatedFrom: {
				name: 'from',
				in: 'query',
				description:
					'Only images uploaded (with `date=taken`: taken) on or after this UTC day, `YYYY-MM-DD`. Malformed, or after `to`: `422`. Empty means no filter.',
				schema: { type: 'string', format: 'date' },
				example: '2026-01-01',
			},
			CreatedTo: {
				name: 'to',
				in: 'query',
				description:
					'Only images uploaded (with `date=taken`: taken) on or before this UTC day (included), `YYYY-MM-DD`. Malformed: `422`. Empty means no filter.',
				schema: { type: 'string', format: 'date' },
				example: '2026-01-31',
			},
			UsageFrom: {
				name: 'from',
				in: 'query',
				description:
					'First UTC day, `YYYY-MM-DD`. Default: 29 days before `to`. Malformed, or after `to`: `422`.',
				schema: { type: 'string', format: 'date' },
				example: '2026-01-01',
			},
			UsageTo: {
				name: 'to',
				in: 'query',
				description:
					'Last UTC day (included), `YYYY-MM-DD`. Default: today (UTC). Malformed: `422`.',
				schema: { type: 'string', format: 'date' },
				example: '2026-01-31',
			},
			Variant: {
				name: 'variant',
				in: 'query',
				description:
					'Which file: the `original` as uploaded, or the WebP `thumbnail` or `optimized` copy.',
				schema: {
					type: 'string',
					enum: ['original', 'thumbnail', 'optimized'],
					default: 'original',
				},
			},
			IdempotencyKey: {
				name: 'Idempotency-Key',
				in: 'header',
				required: false,
				description:
					'1–255 visible ASCII characters (0x21–0x7E), otherwise `422`. A repeat with the same key by the same user within 24 hours returns the first image and creates nothing (`Idempotent-Replayed: true`); the same key with a different file within 24 hours is `422`.',
				schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]{1,255}$' },
				example: '3f1c2a9e-upload-0001',
			},
		},
		headers: {
			ETag: {
				description:
					'Weak validator of the body (`W/"<hash>"`): the same while neither the data nor the signed URLs change. Send it back in `If-None-Match`.',
				required: true,
				schema: { type: 'string', pattern: '^W/".+"$' },
			},
			CacheControlNoCache: {
				description:
					'`private, no-cache`: a client may keep the answer but must revalidate it (with `If-None-Match`) before each use; shared caches must not store it.',
				required: true,
				schema: { type: 'string', const: 'private, no-cache' },
			},
			WWWAuthenticate: {
				description: 'The authentication scheme to use.',
				required: true,
				schema: { type: 'string', const: 'Bearer' },
			},
			WWWAuthenticateScope: {
				description:
					'On `insufficient-scope` (RFC 6750): `Bearer error="insufficient_scope", scope="<the missing scope>"`.',
				schema: { type: 'string', examples: ['Bearer error="insufficient_scope", scope="write"'] },
			},
			Allow: {
				description: 'The methods this path supports, e.g. `GET, DELETE`.',
				required: true,
				schema: { type: 'string' },
			},
			RetryAfter: {
				description: 'Seconds to wait before trying again.',
				required: true,
				schema: { type: 'integer', minimum: 0 },
				example: 5,
			},
			ImageLocation: {
				description: 'The new image: `/api/images/{id}`.',
				required: true,
				schema: { type: 'string', format: 'uri-reference' },
				example: '/api/images/0b7e4c1e-8f5d-4a53-9a41-2d1f0c6e9b10',
			},
			WebhookLocation: {
				description: 'The new webhook: `/api/webhooks/{id}`.',
				required: true,
				schema: { type: 'string', format: 'uri-reference' },
			},
			IdempotentReplayed: {
				description:
					'Present, as `true`, only when the answer replays an earlier upload with the same `Idempotency-Key`.',
				schema: { type: 'string', const: 'true' },
			},
			RateLimitLimit: {
				description: 'Requests allowed in the current window of the limit closest to running out.',
				required: true,
				schema: { type: 'integer', minimum: 1 },
				example: 60,
			},
			RateLimitRemaining: {
				description: 'Requests left in the current window (0 on a `429`).',
				required: true,
				schema: { type: 'integer', minimum: 0 },
				example: 0,
			},
			RateLimitReset: {
				description: 'Seconds until the current window ends and its count starts again.',
				required: true,
				schema: { type: 'integer', minimum: 1 },
				example: 42,
			},
			SignedUrlLocation: {
				description: `An absolute signed URL of the file. ${SIGNED_URL_LIFETIME}`,
				required: true,
				schema: { type: 'string', format: 'uri' },
			},
		},
		requestBodies: {
			ImageUpload: {
				required: true,
				description: 'One image in the `file` part.',
				content: {
					'multipart/form-data': {
						schema: {
							type: 'object',
							required: ['file'],
							properties: {
								file: {
									type: 'string',
									format: 'binary',
									contentMediaType: 'application/octet-stream',
									description:
										"The image bytes: JPEG, PNG, WebP, TIFF, GIF, AVIF or HEIC (decided from the bytes). At most `MAX_UPLOAD_BYTES` (default 25 MiB) and `MAX_INPUT_PIXELS` (default 100 megapixels). The part's file name becomes the stored `filename`, made safe.",
								},
							},
						},
						encoding: {
							file: {
								contentType:
									'image/jpeg, image/png, image/webp, image/tiff, image/gif, image/avif, image/heic, image/heif, application/octet-stream',
							},
						},
					},
				},
			},
		},
		responses: {
			NotModified: {
				description:
					'Not Modified: the `If-None-Match` ETag is still current. No body; the copy the client holds is up to date.',
				headers: { ETag: header('ETag'), 'Cache-Control': header('CacheControlNoCache') },
			},
			BadRequest: {
				description: 'The request cannot be read (`bad-request`).',
				content: problemContent({
					type: problemType('bad-request'),
					title: 'Bad request',
					status: 400,
					detail: 'The request body is not valid JSON.',
				}),
			},
			Unauthorized: {
				description:
					'No valid credentials (`unauthorized`): the bearer token or session is missing, expired or revoked.',
				headers: { 'WWW-Authenticate': header('WWWAuthenticate') },
				content: problemContent({
					type: problemType('unauthorized'),
					title: 'Unauthorized',
					status: 401,
					detail: 'The access token is missing, expired or revoked.',
				}),
			},
			NotFound: {
				description:
					"No such image (`not-found`). Another user's image answers the same as a missing one.",
				content: problemContent({
					type: problemType('not-found'),
					title: 'Not found',
					status: 404,
					detail: 'No image with this id.',
				}),
			},
			WebhookNotFound: {
				description:
					"No such webhook (`not-found`). Another user's webhook answers the same as a missing one.",
				content: problemContent({
					type: problemType('not-found'),
					title: 'Not found',
					status: 404,
					detail: 'No webhook with this id.',
				}),
			},
			WebhookDeliveryNotFound: {
				description:
					"No such webhook, or no such delivery of it (`not-found`). Another user's webhook, and another webhook's delivery, answer the same as missing ones.",
				content: problemContent({
					type: problemType('not-found'),
					title: 'Not found',
					status: 404,
					detail: 'No delivery with this id for this webhook.',
				}),
			},
			WebhookDisabled: {
				description:
					'The webhook is disabled (`conflict`): enable it first with `PATCH /api/webhooks/{id}` and `{"enabled": true}`.',
				content: problemContent({
					type: problemType('conflict'),
					title: 'Conflict',
					status: 409,
					detail: 'This webhook is disabled; enable it first.',
				}),
			},
			MethodNotAllowed: {
				description:
					'The path does not support this method (`method-not-allowed`); `Allow` lists the ones it does. Every path answers so for a method it does not document.',
				headers: { Allow: header('Allow') },
				content: problemContent({
					type: problemType('method-not-allowed'),
					title: 'Method not allowed',
					status: 405,
					detail: 'Allowed methods: GET, DELETE.',
				}),
			},
			Conflict: {
				description: 'The request conflicts with the current state (`conflict`).',
				content: problemContent({
					type: problemType('conflict'),
					title: 'Conflict',
					status: 409,
					detail: 'An account with this email already exists.',
				}),
			},
			PayloadTooLarge: {
				description:
					'The file is larger than `MAX_UPLOAD_BYTES` (default 25 MiB) (`payload-too-large`). The upload is cut off at the limit, not read whole.',
				content: problemContent({
					type: problemType('payload-too-large'),
					title: 'Payload too large',
					status: 413,
					detail: 'The file is larger than the limit of 25 MiB.',
				}),
			},
			UnsupportedMediaType: {
				description:
					'The bytes are not a supported image (`unsupported-media-type`). Accepted: JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC, decided from the bytes, not the name or declared type.',
				content: problemContent({
					type: problemType('unsupported-media-type'),
					title: 'Unsupported media type',
					status: 415,
					detail:
						'The file is not a supported image. Accepted: JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC.',
				}),
			},
			ValidationFailed: {
				description: 'Invalid input (`validation`); `errors` names each bad field.',
				content: problemContent({
					type: problemType('validation'),
					title: 'Invalid input',
					status: 422,
					detail: 'pageSize: Too big: expected number to be <=100',
					errors: [{ path: 'pageSize', message: 'Too big: expected number to be <=100' }],
				}),
			},
			UploadUnprocessable: {
				description: `The upload cannot be accepted. Either \`unprocessable-image\`: the file is empty, corrupt or
truncated, or has more than \`MAX_INPUT_PIXELS\` (default 100 megapixels); or \`validation\` (with
\`errors\`, path \`Idempotency-Key\`): the \`Idempotency-Key\` is not 1–255 visible ASCII characters,
or was already used for a different file within 24 hours.`,
				content: {
					'application/problem+json': {
						schema: schema('Problem'),
						examples: {
							corrupt: {
								summary: 'Corrupt image',
								value: {
									type: problemType('unprocessable-image'),
									title: 'Unprocessable image',
									status: 422,
									detail: 'The image is truncated or corrupt and cannot be decoded.',
								},
							},
							keyReused: {
								summary: 'Idempotency-Key reused for another file',
								value: {
									type: problemType('validation'),
									title: 'Invalid input',
									status: 422,
									detail: 'This Idempotency-Key was already used for a different file.',
									errors: [
										{ path: 'Idempotency-Key', message: 'already used for a different file' },
									],
								},
							},
						},
					},
				},
			},
			StorageUnavailable: {
				description:
					'Object storage cannot be reached or cannot sign URLs (`storage-unavailable`); transient, retry after `Retry-After` seconds.',
				headers: { 'Retry-After': header('RetryAfter') },
				content: problemContent({
					type: problemType('storage-unavailable'),
					title: 'Storage unavailable',
					status: 503,
					detail: 'Object storage is unavailable (put failed).',
				}),
			},
			TooManyRequests: {
				description:
					'Over a rate limit (`too-many-requests`); see "Rate limits" above. Retry after `Retry-After` seconds.',
				headers: {
					'Retry-After': header('RetryAfter'),
					'RateLimit-Limit': header('RateLimitLimit'),
					'RateLimit-Remaining': header('RateLimitRemaining'),
					'RateLimit-Reset': header('RateLimitReset'),
				},
				content: problemContent({
					type: problemType('too-many-requests'),
					title: 'Too many requests',
					status: 429,
					detail: 'Too many uploads: the limit is 60 per 60 seconds. Try again in 42 seconds.',
				}),
			},
			InsufficientScope: {
				description:
					'The personal token lacks the scope this operation needs (`insufficient-scope`; the detail and `WWW-Authenticate` name it); for `POST`, `PATCH` and `DELETE` also `cross-site-request` (see `CrossSiteRequest`).',
				headers: { 'WWW-Authenticate': header('WWWAuthenticateScope') },
				content: problemContent({
					type: problemType('insufficient-scope'),
					title: 'Insufficient scope',
					status: 403,
					detail:
						'This token does not have the "write" scope, which this request needs. Make a token with it on Settings → API tokens (or POST /api/tokens).',
				}),
			},
			CrossSiteRequest: {
				description:
					'A request authenticated by the session cookie whose `Origin` (or `Referer`) is not this site, or that has neither (`cross-site-request`). Bearer-token requests never get it.',
				content: problemContent({
					type: problemType('cross-site-request'),
					title: 'Cross-site request refused',
					status: 403,
					detail:
						'This request comes from another origin (https://elsewhere.example); requests with the session cookie are accepted only from this site. API clients should use Authorization: Bearer <token>.',
				}),
			},
			UploadForbidden: {
				description:
					'Either `quota-exceeded`: the upload would take the user over `QUOTA_MAX_IMAGES_PER_USER` or `QUOTA_MAX_BYTES_PER_USER` (nothing is stored; delete images to make room), `insufficient-scope`: a personal token without the `write` scope (see `InsufficientScope`), or `cross-site-request` (see `CrossSiteRequest`).',
				content: {
					'application/problem+json': {
						schema: schema('Problem'),
						examples: {
							quota: {
								summary: 'Over the storage quota',
								value: {
									type: problemType('quota-exceeded'),
									title: 'Quota exceeded',
									status: 403,
									detail:
										'Storage quota exceeded: this 2.4 MiB upload would bring your images to 100.9 MiB, over the limit of 100.0 MiB (104857600 bytes) per user. Delete some images to make room.',
								},
							},
							crossSite: {
								summary: 'Cookie-authenticated request from another site',
								value: {
									type: problemType('cross-site-request'),
									title: 'Cross-site request refused',
									status: 403,
									detail:
										'This request comes from another origin (https://elsewhere.example); requests with the session cookie are accepted only from this site. API clients should use Authorization: Bearer <token>.',
								},
							},
						},
					},
				},
			},
			InternalError: {
				description:
					'An unexpected failure (`internal`). It is logged; the body carries no internals.',
				content: problemContent({
					type: problemType('internal'),
					title: 'Internal server error',
					status: 500,
					detail: 'Something went wrong on our side. It has been logged; please try again.',
				}),
			},
		},
		schemas: {
			Problem: {
				type: 'object',
				description:
					'RFC 9457 problem details, served as `application/problem+json` with `Cache-Control: no-store`.',
				required: ['type', 'title', 'status', 'detail'],
				properties: {
					type: {
						type: 'string',
						format: 'uri',
						description: `\`https://darkroom.dev/problems/<slug>\`; slugs: ${problemTypes.map((slug) => `\`${slug}\``).join(', ')}.`,
						examples: [problemType('validation')],
					},
					title: { type: 'string', description: 'Short summary of the problem type.' },
					status: { type: 'integer', minimum: 400, maximum: 599 },
					detail: { type: 'string', description: 'Human-readable explanation of this occurrence.' },
					errors: {
						type: 'array',
						description: 'For invalid input (`validation`): one entry per bad field.',
						items: {
							type: 'object',
							required: ['path', 'message'],
							properties: {
								path: {
									type: 'string',
									description:
										'Dotted path of the field (`ids.3`, `pageSize`, `Idempotency-Key`), or `(root)`.',
								},
								message: { type: 'string' },
							},
						},
					},
				},
			},
			User: {
				type: 'object',
				required: ['id', 'email', 'createdAt'],
				properties: {
					id: uuid,
					email: { type: 'string', format: 'email', description: 'Stored lower-cased.' },
					createdAt: timestamp,
				},
			},
			RegisterRequest: {
				type: 'object',
				required: ['email', 'password'],
				properties: {
					email: {
						type: 'string',
						format: 'email',
						maxLength: 254,
						description: 'Trimmed and lower-cased; must be unused (case-insensitively).',
					},
					password: {
						type: 'string',
						minLength: 8,
						maxLength: 256,
						description:
							'NIST SP 800-63B: 8 to 256 characters, not on the list of common or breached passwords, not the email.',
					},
				},
			},
			LoginRequest: {
				type: 'object',
				required: ['email', 'password'],
				properties: {
					email: { type: 'string', maxLength: 254, description: 'Compared case-insensitively.' },
					password: { type: 'string', maxLength: 256 },
				},
			},
			AuthResponse: {
				type: 'object',
				required: ['user', 'token', 'expiresAt'],
				properties: {
					user: schema('User'),
					token: {
						type: 'string',
						description:
							'Bearer token for `Authorization: Bearer <token>`. Shown once; only its hash is stored.',
						examples: ['drk_kq3V0mC2n7xJb1yZ4p9sT6wRfH8dLuE5aGiO0cNvYtM'],
					},
					expiresAt: { ...timestamp, description: 'When the token stops working (ISO 8601, UTC).' },
				},
			},
			MeResponse: {
				type: 'object',
				required: ['user'],
				properties: { user: schema('User') },
			},
			ApiToken: {
				type: 'object',
				description: 'A personal API token, without its secret.',
				required: ['id', 'name', 'createdAt', 'expiresAt', 'lastUsedAt', 'scopes'],
				properties: {
					id: uuid,
					name: { type: 'string', minLength: 1, maxLength: 100 },
					createdAt: timestamp,
					expiresAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description: 'When it stops working (ISO 8601, UTC); null: never.',
					},
					lastUsedAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description:
							'When it last authenticated a request, to the minute (updated at most once a minute); null: never used.',
					},
					scopes: {
						...schema('TokenScopes'),
						description: 'What it may do, in the order `read`, `write`, `webhooks`, `tokens`.',
					},
				},
			},
			TokenScopes: {
				type: 'array',
				minItems: 1,
				uniqueItems: true,
				items: { type: 'string', enum: [...tokenScopes] },
				description:
					'`read`: list, read and download images, usage, events. `write`: upload, process and delete images. `webhooks`: manage webhooks. `tokens`: manage personal tokens and sessions.',
				examples: [['read', 'write']],
			},
			Session: {
				type: 'object',
				description: 'A browser session or API sign-in token, without its secret.',
				required: [
					'id',
					'kind',
					'createdAt',
					'lastUsedAt',
					'expiresAt',
					'userAgent',
					'ip',
					'current',
				],
				properties: {
					id: uuid,
					kind: {
						type: 'string',
						enum: ['browser', 'api'],
						description:
							'`browser`: signed in on the sign-in or registration page (the session cookie); `api`: a token from `POST /api/auth/login` or `POST /api/auth/register`.',
					},
					createdAt: { ...timestamp, description: 'When it signed in.' },
					lastUsedAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description: 'When it last authenticated a request (updated at most once a minute).',
					},
					expiresAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description: 'When it stops working unless used to sign out earlier.',
					},
					userAgent: {
						type: ['string', 'null'],
						maxLength: 512,
						description: "The client's `User-Agent` (its first 512 characters) as of `lastUsedAt`.",
					},
					ip: {
						type: ['string', 'null'],
						description:
							"The client's address as of `lastUsedAt` (behind a proxy, as `TRUST_PROXY` allows); null when unknown.",
						examples: ['203.0.113.7'],
					},
					current: {
						type: 'boolean',
						description: 'Whether this is the session or token that made this request.',
					},
				},
			},
			SessionList: {
				type: 'object',
				required: ['items'],
				properties: { items: { type: 'array', items: schema('Session') } },
			},
			ApiTokenList: {
				type: 'object',
				required: ['items'],
				properties: { items: { type: 'array', items: schema('ApiToken') } },
			},
			CreateApiTokenRequest: {
				type: 'object',
				required: ['name'],
				properties: {
					name: {
						type: 'string',
						description: 'A label to recognise it by; 1–100 characters after trimming.',
						examples: ['Backup script'],
					},
					expiresInDays: {
						type: ['integer', 'null'],
						minimum: 1,
						maximum: 3650,
						description: 'Days until it expires; omitted or null: never.',
					},
					scopes: {
						...schema('TokenScopes'),
						description:
							'What it may do. Omitted: the scopes of the credential making it (every scope for a sign-in token or the browser session). A scope that credential lacks: `403`.',
					},
				},
			},
			CreatedApiToken: {
				type: 'object',
				required: ['token', 'secret'],
				properties: {
					token: schema('ApiToken'),
					secret: {
						type: 'string',
						description:
							'The token itself, for `Authorization: Bearer <secret>` or `X-API-Key: <secret>`. Shown only in this answer; only its hash is stored.',
						examples: ['drk_kq3V0mC2n7xJb1yZ4p9sT6wRfH8dLuE5aGiO0cNvYtM'],
					},
				},
			},
			ImageEvent: {
				type: 'object',
				description:
					"One change of an image, as `data` of an `event: image` on `GET /api/events`. `updatedAt` is the row's update time as PostgreSQL writes it (ISO 8601 with an offset).",
				required: ['type', 'id', 'status', 'aiStatus', 'overallStatus', 'updatedAt'],
				properties: {
					type: {
						type: 'string',
						enum: ['insert', 'update', 'delete'],
						description: 'A new image, a change of its state, or its removal.',
					},
					id: uuid,
					status: schema('ImageStatus'),
					aiStatus: schema('AiStatus'),
					overallStatus: schema('OverallStatus'),
					updatedAt: { type: 'string', format: 'date-time' },
				},
			},
			ImageStatus: {
				type: 'string',
				enum: [...imageStatuses],
				description:
					'The image stage (decode, metadata, thumbnail, optimized copy): `pending` (queued), `processing`, `completed` or `failed` (`error` says why: the file cannot be decoded, or processing failed on every retry).',
			},
			AiStatus: {
				type: 'string',
				enum: [...aiStatuses],
				description:
					'The AI stage, which follows a completed image stage: `pending`, `processing`, `completed`, `failed` (a permanent failure after retries; `aiError` says why, `overallStatus` is `partial`) or `skipped` (`AI_PROVIDER` is `none`; `aiError` says so and `ai` stays null). See `AiResult`.',
			},
			OverallStatus: {
				type: 'string',
				enum: [...overallStatuses],
				description: overallStatusDerivation,
			},
			Variant: {
				type: 'object',
				description: 'One stored file of an image and a signed URL for it.',
				required: ['url', 'contentType', 'byteSize', 'width', 'height'],
				properties: {
					url: {
						type: 'string',
						format: 'uri',
						description: `Signed URL (served inline), valid until \`urlsExpireAt\`. ${SIGNED_URL_LIFETIME} It stops working when the image is deleted; an expired or altered URL answers \`403\`.`,
					},
					contentType: { type: 'string', examples: ['image/webp'] },
					byteSize: { type: 'integer', minimum: 0 },
					width: { type: 'integer', minimum: 1 },
					height: { type: 'integer', minimum: 1 },
				},
			},
			Metadata: {
				type: 'object',
				description:
					'What the image stage read from the original. GPS is shown to the owner only (every route answers only the owner) and is never copied into the thumbnail or optimized files.',
				required: [
					'format',
					'width',
					'height',
					'space',
					'hasAlpha',
					'orientation',
					'density',
					'pages',
					'exif',
					'gps',
				],
				properties: {
					format: { type: 'string', examples: ['jpeg'] },
					width: { type: 'integer', description: 'After auto-orientation.' },
					height: { type: 'integer', description: 'After auto-orientation.' },
					space: { type: ['string', 'null'], description: 'Colour space, e.g. `srgb`.' },
					hasAlpha: { type: 'boolean' },
					orientation: {
						type: ['integer', 'null'],
						minimum: 1,
						maximum: 8,
						description: 'EXIF orientation of the original, if any.',
					},
					density: { type: ['number', 'null'], description: 'Pixels per inch, if recorded.' },
					pages: { type: 'integer', minimum: 1, description: 'Frames or pages (GIF, TIFF, HEIC).' },
					exif: {
						type: ['object', 'null'],
						description: 'Camera data; null when the file has none.',
						required: [
							'make',
							'model',
							'lens',
							'takenAt',
							'exposureTime',
							'fNumber',
							'iso',
							'focalLength',
						],
						properties: {
							make: { type: ['string', 'null'] },
							model: { type: ['string', 'null'] },
							lens: { type: ['string', 'null'] },
							takenAt: {
								type: ['string', 'null'],
								description: 'When the photo was taken, as recorded by the camera.',
							},
							exposureTime: { type: ['number', 'null'], description: 'Seconds.' },
							fNumber: { type: ['number', 'null'] },
							iso: { type: ['number', 'null'] },
							focalLength: { type: ['number', 'null'], description: 'Millimetres.' },
						},
					},
					gps: {
						type: ['object', 'null'],
						description: 'Where the photo was taken; null when the file has no position.',
						required: ['latitude', 'longitude'],
						properties: {
							latitude: { type: 'number', minimum: -90, maximum: 90 },
							longitude: { type: 'number', minimum: -180, maximum: 180 },
						},
					},
				},
			},
			AiResult: {
				type: 'object',
				description: aiStageDescription,
				required: [
					'summary',
					'tags',
					'ocrText',
					'safety',
					'model',
					'inputTokens',
					'outputTokens',
					'costUsd',
				],
				properties: {
					summary: {
						type: ['string', 'null'],
						description:
							'One or two sentences describing the image; null from the `local` provider, which cannot describe pictures.',
					},
					tags: {
						type: 'array',
						maxItems: 15,
						items: { type: 'string' },
						description:
							'Up to 15 search keywords, trimmed, lower-cased and without duplicates. Filter on one with `GET /api/images?tag=`.',
						examples: [['beach', 'sunset', 'ocean', 'orange']],
					},
					ocrText: {
						type: ['string', 'null'],
						description:
							'Legible text found in the image, verbatim with line breaks; null if none.',
					},
					safety: {
						type: 'object',
						required: ['flagged', 'categories', 'source'],
						properties: {
							flagged: { type: 'boolean', description: 'True if the image has sensitive content.' },
							categories: {
								type: 'array',
								items: { type: 'string' },
								description:
									'The kinds of sensitive content found, lower-case; empty if none. From the moderation endpoint these are its category names (`sexual`, `violence/graphic`, `self-harm/intent`…); from the model, words such as `sexual`, `violence`, `self-harm`, `hate`, `harassment`, `illicit`.',
							},
							source: {
								type: 'string',
								enum: ['moderation', 'model', 'none'],
								description:
									'Who judged: `moderation`, the moderation endpoint (`OPENAI_MODERATION_MODEL`); `model`, the analysing model itself (moderation is `none`, unsupported by the server or failed); `none`, nobody (the `local` provider: `flagged` is always false).',
							},
						},
					},
					model: {
						type: 'string',
						description:
							'The model that answered, as the provider names it (e.g. `gpt-4.1-mini-2025-04-14`), or `tesseract.js@<version> (eng)` for `local`.',
					},
					inputTokens: {
						type: 'integer',
						minimum: 0,
						description: 'Prompt tokens, including a repair request if one was needed.',
					},
					outputTokens: { type: 'integer', minimum: 0 },
					costUsd: {
						type: 'number',
						minimum: 0,
						description:
							'USD, from the price table when the analysis completed (`AI_PRICES` overrides it); 0 for unknown models and `local`.',
					},
				},
			},
			ImageDetail: {
				type: 'object',
				description: `An image with its processing state, metadata and signed variant URLs.

Thumbnail: WebP, longest side at most \`THUMBNAIL_MAX_SIZE\` (default 256). Optimized: WebP, longest
side at most \`OPTIMIZED_MAX_SIZE\` (default 2048). Neither is ever upscaled; both are auto-oriented from
EXIF and carry no EXIF or GPS.

After the image stage, the AI stage (\`aiStatus\`, \`aiError\`, \`ai\`) describes the image with the
configured provider (\`openai\`, \`local\` or \`none\`); see \`AiResult\` for providers, retries,
failures and cost. A permanent AI failure leaves \`aiStatus: failed\` with a readable \`aiError\` and
\`overallStatus: partial\`; \`POST /api/images/{id}/process\` with \`stages: ["ai"]\` runs it again.`,
				required: [
					'id',
					'filename',
					'contentType',
					'byteSize',
					'sha256',
					'createdAt',
					'updatedAt',
					'width',
					'height',
					'format',
					'status',
					'aiStatus',
					'overallStatus',
					'error',
					'aiError',
					'metadata',
					'variants',
					'urlsExpireAt',
					'placeholder',
					'ai',
				],
				properties: {
					id: uuid,
					filename: {
						type: 'string',
						maxLength: 255,
						description:
							"The client's file name made safe: no directory part, no control characters, at most 255 UTF-8 bytes.",
					},
					contentType: {
						type: 'string',
						description: 'Of the original, decided from its bytes.',
						examples: ['image/jpeg'],
					},
					byteSize: { type: 'integer', minimum: 1, description: 'Of the original.' },
					sha256: {
						type: 'string',
						pattern: '^[0-9a-f]{64}$',
						description: 'Hex SHA-256 of the original.',
					},
					createdAt: timestamp,
					updatedAt: timestamp,
					width: {
						type: 'integer',
						minimum: 1,
						description: 'Of the original, after auto-orientation.',
					},
					height: {
						type: 'integer',
						minimum: 1,
						description: 'Of the original, after auto-orientation.',
					},
					format: { type: 'string', description: 'Of the original.', examples: ['jpeg', 'png'] },
					status: schema('ImageStatus'),
					aiStatus: schema('AiStatus'),
					overallStatus: schema('OverallStatus'),
					error: {
						type: ['string', 'null'],
						description: 'Why the image stage failed; otherwise null.',
					},
					aiError: {
						type: ['string', 'null'],
						description:
							'Why the AI stage failed or was skipped, readable and free of secrets (e.g. `The AI provider is rate limiting requests (429) after 4 attempts; try again later.`); otherwise null.',
					},
					metadata: nullable(schema('Metadata'), 'Null until the image stage completes.'),
					variants: {
						type: 'object',
						required: ['original', 'thumbnail', 'optimized'],
						properties: {
							original: schema('Variant'),
							thumbnail: nullable(schema('Variant'), 'Null until the image stage completes.'),
							optimized: nullable(schema('Variant'), 'Null until the image stage completes.'),
						},
					},
					urlsExpireAt: {
						...timestamp,
						description:
							'When the signed URLs in `variants` stop working (the `exp` or `X-Amz-Date` + `X-Amz-Expires` in them): at least `SIGNED_URL_TTL` (default 900 s = 15 min) and less than `SIGNED_URL_TTL + SIGNED_URL_WINDOW` from now, the end of the current signing window. Fetch the image again for fresh ones.',
					},
					placeholder: {
						type: ['string', 'null'],
						contentEncoding: 'base64',
						description: PLACEHOLDER_DESCRIPTION,
					},
					ai: nullable(
						schema('AiResult'),
						'Null until an analysis completes; a re-run keeps the previous result until replaced.',
					),
				},
			},
			ImageListItem: {
				type: 'object',
				required: [
					'id',
					'filename',
					'createdAt',
					'status',
					'aiStatus',
					'overallStatus',
					'width',
					'height',
					'thumbnailUrl',
					'placeholder',
					'safety',
					'tags',
				],
				description:
					'An image in a list. `placeholder`, `safety` and `tags` are additions to the contract: enough to show a preview while the thumbnail loads, blur flagged images and show tags without fetching each image.',
				properties: {
					id: uuid,
					filename: { type: 'string', maxLength: 255 },
					createdAt: timestamp,
					status: schema('ImageStatus'),
					aiStatus: schema('AiStatus'),
					overallStatus: schema('OverallStatus'),
					width: { type: 'integer', minimum: 1, description: 'Of the original.' },
					height: { type: 'integer', minimum: 1, description: 'Of the original.' },
					thumbnailUrl: {
						type: ['string', 'null'],
						format: 'uri',
						description: `Signed URL of the thumbnail; null until the thumbnail exists. ${SIGNED_URL_LIFETIME}`,
					},
					placeholder: {
						type: ['string', 'null'],
						contentEncoding: 'base64',
						description: PLACEHOLDER_DESCRIPTION,
					},
					safety: {
						type: ['object', 'null'],
						description:
							'Addition: `ai.safety` without `source`; null until an analysis completes. Clients should blur the thumbnail when `flagged`.',
						required: ['flagged', 'categories'],
						properties: {
							flagged: { type: 'boolean' },
							categories: { type: 'array', items: { type: 'string' } },
						},
					},
					tags: {
						type: 'array',
						items: { type: 'string' },
						description: 'Addition: `ai.tags`; empty until an analysis completes.',
					},
				},
			},
			ImageList: {
				type: 'object',
				required: ['items', 'page', 'pageSize', 'total', 'totalPages'],
				properties: {
					items: {
						type: 'array',
						description: 'In the order `sort` asks for; newest first by default.',
						items: schema('ImageListItem'),
					},
					page: { type: 'integer', minimum: 1 },
					pageSize: { type: 'integer', minimum: 1, maximum: 100 },
					total: { type: 'integer', minimum: 0, description: 'Images matching the filter.' },
					totalPages: { type: 'integer', minimum: 0, description: '`ceil(total / pageSize)`.' },
				},
			},
			TrashItem: {
				allOf: [
					schema('ImageListItem'),
					{
						type: 'object',
						required: ['deletedAt', 'expiresAt'],
						properties: {
							deletedAt: timestamp,
							expiresAt: { ...timestamp, description: 'When the hourly purge removes it.' },
						},
					},
				],
			},
			TrashList: {
				type: 'object',
				required: ['items', 'page', 'pageSize', 'total', 'totalPages'],
				properties: {
					items: { type: 'array', items: schema('TrashItem') },
					page: { type: 'integer', minimum: 1 },
					pageSize: { type: 'integer', minimum: 1, maximum: 100 },
					total: { type: 'integer', minimum: 0 },
					totalPages: { type: 'integer', minimum: 0 },
				},
			},
			ProcessRequest: {
				type: 'object',
				properties: {
					stages: schema('Stages'),
				},
			},
			BatchProcessRequest: {
				type: 'object',
				required: ['ids'],
				properties: {
					ids: {
						type: 'array',
						minItems: 1,
						maxItems: 100,
						items: uuid,
						description: "Ids of the caller's images; repeats count once.",
					},
					stages: schema('Stages'),
				},
			},
			Stages: {
				type: 'array',
				minItems: 1,
				items: { type: 'string', enum: ['image', 'ai'] },
				default: ['image', 'ai'],
				description:
					'Stages to run again. `image` also re-runs the AI stage after it; `["ai"]` re-runs only the AI analysis (e.g. after `aiStatus: failed`), keeping the image stage. Default: both.',
			},
			BatchProcessResponse: {
				type: 'object',
				required: ['items'],
				properties: {
					items: { type: 'array', items: schema('ImageDetail') },
				},
			},
			Usage: {
				type: 'object',
				description: "The caller's AI analyses that completed in `from`..`to`.",
				required: [
					'from',
					'to',
					'imagesAnalyzed',
					'inputTokens',
					'outputTokens',
					'costUsd',
					'byModel',
				],
				properties: {
					from: { type: 'string', format: 'date', description: 'First UTC day, included.' },
					to: { type: 'string', format: 'date', description: 'Last UTC day, included.' },
					imagesAnalyzed: { type: 'integer', minimum: 0 },
					inputTokens: { type: 'integer', minimum: 0 },
					outputTokens: { type: 'integer', minimum: 0 },
					costUsd: { type: 'number', minimum: 0, description: 'USD, the sum of `ai.costUsd`.' },
					byModel: {
						type: 'array',
						description: 'The same totals per model, by model name.',
						items: schema('UsageByModel'),
					},
				},
				example: {
					from: '2026-01-01',
					to: '2026-01-30',
					imagesAnalyzed: 42,
					inputTokens: 39480,
					outputTokens: 5460,
					costUsd: 0.024528,
					byModel: [
						{
							model: 'gpt-4.1-mini-2025-04-14',
							images: 42,
							inputTokens: 39480,
							outputTokens: 5460,
							costUsd: 0.024528,
						},
					],
				},
			},
			UsageByModel: {
				type: 'object',
				required: ['model', 'images', 'inputTokens', 'outputTokens', 'costUsd'],
				properties: {
					model: { type: 'string', description: 'As in `ai.model`.' },
					images: { type: 'integer', minimum: 1 },
					inputTokens: { type: 'integer', minimum: 0 },
					outputTokens: { type: 'integer', minimum: 0 },
					costUsd: { type: 'number', minimum: 0 },
				},
			},
			WebhookEventType: {
				type: 'string',
				enum: [...webhookEventTypes],
				description:
					'`image.completed`: the image reached `overallStatus` `completed` or `partial`; `image.failed`: it reached `failed`; `image.deleted`: it was deleted (by its owner or the retention sweep).',
			},
			CreateWebhookRequest: {
				type: 'object',
				required: ['url'],
				properties: {
					url: {
						type: 'string',
						format: 'uri',
						maxLength: 2048,
						description: 'Where to POST events: `https://`, a public host.',
						examples: ['https://example.com/hooks/darkroom'],
					},
					events: {
						type: 'array',
						minItems: 1,
						uniqueItems: true,
						items: schema('WebhookEventType'),
						description: 'The events to receive. Default: all of them.',
					},
					description: {
						type: 'string',
						maxLength: 200,
						description: 'A note for yourself.',
					},
				},
			},
			UpdateWebhookRequest: {
				type: 'object',
				description: 'The fields to change; those left out are kept.',
				properties: {
					url: {
						type: 'string',
						format: 'uri',
						maxLength: 2048,
						description: 'Where to POST events from now on: checked as at registration.',
					},
					events: {
						type: 'array',
						minItems: 1,
						uniqueItems: true,
						items: schema('WebhookEventType'),
						description: 'The events to receive from now on.',
					},
					description: {
						type: ['string', 'null'],
						maxLength: 200,
						description: '`null` or `""` removes it.',
					},
					enabled: {
						type: 'boolean',
						description:
							'`false` disables the webhook; `true` enables it again and clears why it was disabled.',
					},
				},
				example: { description: 'Production receiver', enabled: true },
			},
			Webhook: {
				type: 'object',
				required: [
					'id',
					'url',
					'events',
					'description',
					'createdAt',
					'enabled',
					'disabledAt',
					'disabledReason',
				],
				properties: {
					id: uuid,
					url: { type: 'string', format: 'uri' },
					events: { type: 'array', items: schema('WebhookEventType') },
					description: { type: ['string', 'null'] },
					createdAt: timestamp,
					enabled: {
						type: 'boolean',
						description:
							'False while disabled: no events are recorded for it, and queued deliveries are not sent.',
					},
					disabledAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description: 'When it was disabled; null while enabled.',
					},
					disabledReason: {
						type: ['string', 'null'],
						description:
							'Why: `Disabled by its owner.`, or `Disabled after 5 deliveries in a row failed; last error: …` (`WEBHOOK_DISABLE_AFTER_FAILURES`). Null while enabled.',
						examples: ['Disabled after 5 deliveries in a row failed; last error: Answered 503'],
					},
				},
			},
			WebhookResponse: {
				type: 'object',
				required: ['webhook'],
				properties: { webhook: schema('Webhook') },
			},
			CreatedWebhook: {
				type: 'object',
				required: ['webhook', 'secret'],
				properties: {
					webhook: schema('Webhook'),
					secret: {
						type: 'string',
						pattern: '^whsec_[A-Za-z0-9+/=]+$',
						description:
							'The signing secret, Standard Webhooks style: `whsec_` + base64 of 24 random bytes; the HMAC key is the decoded bytes. Shown only in this answer.',
					},
				},
			},
			WebhookList: {
				type: 'object',
				required: ['items'],
				properties: { items: { type: 'array', maxItems: 10, items: schema('Webhook') } },
			},
			WebhookDetail: {
				type: 'object',
				required: ['webhook', 'deliveries'],
				properties: {
					webhook: schema('Webhook'),
					deliveries: {
						type: 'array',
						maxItems: 20,
						description: 'The 20 latest, newest first.',
						items: schema('WebhookDelivery'),
					},
				},
			},
			WebhookDelivery: {
				type: 'object',
				description:
					'One event sent (or being sent) to one webhook, with the outcome of its latest attempt.',
				required: [
					'id',
					'webhookId',
					'eventId',
					'eventType',
					'status',
					'attempts',
					'responseStatus',
					'responseBody',
					'error',
					'durationMs',
					'createdAt',
					'lastAttemptAt',
					'completedAt',
					'payload',
				],
				properties: {
					id: uuid,
					webhookId: uuid,
					eventId: {
						...uuid,
						description:
							"The event: the body's `id` and the `webhook-id` header, the same on every retry and for every webhook that receives this event.",
					},
					eventType: {
						type: 'string',
						description: 'A `WebhookEventType`, or `webhook.test`.',
						examples: ['image.completed'],
					},
					status: {
						type: 'string',
						enum: [...webhookDeliveryStatuses],
						description:
							'`pending`: not tried yet; `retrying`: the last attempt failed and another is scheduled; `succeeded`: the endpoint answered 2xx; `failed`: 8 attempts failed, the URL was refused (no retries), or the webhook was disabled before it was sent (`Webhook disabled; not sent.`).',
					},
					attempts: { type: 'integer', minimum: 0, maximum: 8 },
					responseStatus: {
						type: ['integer', 'null'],
						description: 'HTTP status of the last answer; null if there was none.',
					},
					responseBody: {
						type: ['string', 'null'],
						maxLength: 4096,
						description: 'The first 4 KiB of the last answer.',
					},
					error: {
						type: ['string', 'null'],
						description:
							'Why the last attempt failed (`Answered 500`, `No answer within 10 s`, `Refused: …`); null after a success.',
					},
					durationMs: {
						type: ['integer', 'null'],
						minimum: 0,
						description: 'Of the last attempt.',
					},
					createdAt: { ...timestamp, description: 'When the event happened.' },
					lastAttemptAt: { type: ['string', 'null'], format: 'date-time' },
					completedAt: {
						type: ['string', 'null'],
						format: 'date-time',
						description: 'When it succeeded or finally failed.',
					},
					payload: schema('WebhookEvent'),
				},
			},
			WebhookEvent: {
				type: 'object',
				description: 'The JSON body POSTed to the endpoint.',
				required: ['id', 'type', 'createdAt', 'data'],
				properties: {
					id: { ...uuid, description: 'The event id, also sent as `webhook-id`.' },
					type: { type: 'string', examples: ['image.completed'] },
					createdAt: timestamp,
					data: {
						type: 'object',
						description:
							'For `image.*` events: `imageId`, `filename`, `status`, `aiStatus`, `overallStatus`, `error`, `aiError` as they were at that moment. For `webhook.test`: `webhookId` and `message`.',
					},
				},
				example: {
					id: '7f0c5c1e-2b8a-4f0e-9a57-3c1b8f0d2e11',
					type: 'image.completed',
					createdAt: '2026-01-31T12:00:00.000Z',
					data: {
						imageId: '0b7e4c1e-8f5d-4a53-9a41-2d1f0c6e9b10',
						filename: 'sunset.jpg',
						status: 'completed',
						aiStatus: 'completed',
						overallStatus: 'completed',
						error: null,
						aiError: null,
					},
				},
			},
			DeliveryList: {
				type: 'object',
				required: ['items'],
				properties: { items: { type: 'array', items: schema('WebhookDelivery') } },
			},
			TestWebhookResponse: {
				type: 'object',
				required: ['delivery'],
				properties: { delivery: schema('WebhookDelivery') },
			},
			ResentDelivery: {
				type: 'object',
				required: ['delivery'],
				properties: {
					delivery: {
						...schema('WebhookDelivery'),
						description: 'The new delivery, with the `eventId` and `payload` of the one resent.',
					},
				},
			},
			HealthChecks: {
				type: 'object',
				required: ['database', 'storage', 'queue'],
				properties: {
					database: schema('CheckState'),
					storage: schema('CheckState'),
					queue: schema('CheckState'),
				},
			},
			CheckState: { type: 'string', enum: ['ok', 'failing'] },
			HealthOk: {
				type: 'object',
				required: ['status', 'checks'],
				properties: {
					status: { type: 'string', const: 'ok' },
					checks: schema('HealthChecks'),
				},
			},
			HealthFailing: {
				type: 'object',
				required: ['status', 'failing', 'checks'],
				properties: {
					status: { type: 'string', const: 'failing' },
					failing: {
						type: 'array',
						minItems: 1,
						items: { type: 'string', enum: ['database', 'storage', 'queue'] },
						description: 'The checks that failed.',
					},
					checks: schema('HealthChecks'),
				},
			},
		},
	},
}
