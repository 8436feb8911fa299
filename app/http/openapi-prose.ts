import { MAX_EXPIRY_DAYS } from '#app/auth/schemas'
import type { Operation } from '#app/http/operation.server'

// The prose of /api/openapi.json: its introduction and tags. The rate-limit
// table lists each class's operations from their declarations.

const requestsOf = (operations: Operation[], rateClass: string) =>
	operations
		.filter((operation) => {
			const { rateLimit } = operation
			const name = typeof rateLimit === 'object' ? rateLimit.perItem : rateLimit
			return name === rateClass
		})
		.map((operation) => `\`${operation.method} ${operation.path}\``)
		.join(', ')

export const introduction = (
	operations: Operation[],
) => `Darkroom stores images, derives a thumbnail and an optimized copy with their metadata in the
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
scripts and services: no expiry or 1–${MAX_EXPIRY_DAYS} days, revocable one by one with \`DELETE /api/tokens/{id}\`.
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
| \`upload\` | ${requestsOf(operations, 'upload')} (and the web upload form) | 60 per 60 s (\`RATE_LIMIT_UPLOAD\`) | user |
| \`process\` | ${requestsOf(operations, 'process')} (each image of a batch counts as one) | 60 per 60 s (\`RATE_LIMIT_PROCESS\`) | user |
| \`read\` | ${requestsOf(operations, 'read')} | 600 per 60 s (\`RATE_LIMIT_READ\`) | user |
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
\`\`\``

export const tags = [
	{ name: 'Auth', description: 'Accounts, tokens and the current user.' },
	{ name: 'Images', description: 'Upload, list, inspect, process, download and delete images.' },
	{ name: 'Albums', description: 'Ordered sets of your images, to look at or share together.' },
	{
		name: 'Sharing',
		description:
			'Public links to one image or one album, with an optional expiry, password and downloads; revocable, with their views.',
	},
	{
		name: 'Trash',
		description: 'Deleted images, restorable for TRASH_DAYS (default 30) days.',
	},
	{ name: 'Usage', description: 'Tokens and cost of the AI analysis.' },
	{ name: 'Webhooks', description: 'Calls to your endpoints when your images change.' },
	{
		name: 'Admin',
		description: 'For administrators: invites, accounts and the audit log of the instance.',
	},
	{ name: 'Operations', description: 'Health and this document.' },
]
