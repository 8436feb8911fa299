import { z } from 'zod'
import type { ZodOpenApiComponentsObject } from 'zod-openapi'
import { problemSlugs } from '#app/errors'
import { imageEventSchema, SIGNED_URL_LIFETIME } from '#app/images/schemas'

// The parts of /api/openapi.json that every operation shares: the Problem
// schema, headers, security schemes, the multipart upload body and the shared
// error answers (prose and examples). app/http/openapi.server.ts adds them.

export const problemType = (slug: string) => `https://darkroom.dev/problems/${slug}`

export const problemSchema = z
	.object({
		type: z.string().meta({
			format: 'uri',
			description: `\`https://darkroom.dev/problems/<slug>\`; slugs: ${problemSlugs.map((slug) => `\`${slug}\``).join(', ')}.`,
			examples: [problemType('validation')],
		}),
		title: z.string().meta({ description: 'Short summary of the problem type.' }),
		status: z.int().min(400).max(599),
		detail: z.string().meta({ description: 'Human-readable explanation of this occurrence.' }),
		errors: z
			.array(
				z.object({
					path: z.string().meta({
						description:
							'Dotted path of the field (`ids.3`, `pageSize`, `Idempotency-Key`), or `(root)`.',
					}),
					message: z.string(),
				}),
			)
			.optional()
			.meta({ description: 'For invalid input (`validation`): one entry per bad field.' }),
		duplicateOf: z.uuid().optional().meta({
			description:
				"For `duplicate-image`: the id of the caller's image with the same bytes, which the upload repeats.",
		}),
		duplicateUrl: z
			.string()
			.optional()
			.meta({ description: "For `duplicate-image`: that image's path, `/api/images/{id}`." }),
	})
	.meta({
		id: 'Problem',
		description:
			'RFC 9457 problem details, served as `application/problem+json` with `Cache-Control: no-store`.',
	})

const header = (name: string) => ({ $ref: `#/components/headers/${name}` })

/** A problem+json answer's content, with an example of it. */
export const problemContent = (example: Record<string, unknown>) => ({
	'application/problem+json': { schema: problemSchema, example },
})

/** The 503 of an answer with signed URLs. */
export const SIGNING_UNAVAILABLE =
	'Object storage could not sign the URLs of the answer (its credentials could not be loaded or it refused); retry after `Retry-After` seconds. For the process operations the stages may already be queued.'

export const sharedComponents = {
	// Sent as the `data` of a server-sent event, which no operation's schema can reference.
	schemas: { ImageEvent: imageEventSchema },
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
							visibility: {
								type: 'string',
								enum: ['private', 'team'],
								description:
									"Optional: `team` shares the new image with every account of the instance, `private` keeps it the uploader's. Absent or empty: the uploader's preference (`private` unless changed on Settings). Any other value: `422`.",
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
				"No such image (`not-found`). Another user's private image answers the same as a missing one, for admins too.",
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
		AlbumNotFound: {
			description:
				"No such album (`not-found`). Another user's album answers the same as a missing one.",
			content: problemContent({
				type: problemType('not-found'),
				title: 'Not found',
				status: 404,
				detail: 'No album with this id.',
			}),
		},
		ShareLinkNotFound: {
			description:
				"No such share link (`not-found`). Another user's link answers the same as a missing one.",
			content: problemContent({
				type: problemType('not-found'),
				title: 'Not found',
				status: 404,
				detail: 'No share link with this id.',
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
					schema: problemSchema,
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
								errors: [{ path: 'Idempotency-Key', message: 'already used for a different file' }],
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
					schema: problemSchema,
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
		ImageForbidden: {
			description:
				"Either `forbidden`: the image is another user's, shared with the team, which only its owner or an admin may change (nothing changed); `insufficient-scope`: a personal token without the `write` scope (see `InsufficientScope`); or `cross-site-request` (see `CrossSiteRequest`).",
			content: {
				'application/problem+json': {
					schema: problemSchema,
					examples: {
						notYours: {
							summary: "Another user's shared image",
							value: {
								type: problemType('forbidden'),
								title: 'Forbidden',
								status: 403,
								detail: 'Only the owner of this image or an admin may change it.',
							},
						},
						scope: {
							summary: 'A token without the write scope',
							value: {
								type: problemType('insufficient-scope'),
								title: 'Insufficient scope',
								status: 403,
								detail:
									'This token does not have the "write" scope, which this request needs. Make a token with it on Settings → API tokens (or POST /api/tokens).',
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
} satisfies ZodOpenApiComponentsObject

type SharedResponse = keyof typeof sharedComponents.responses
type SharedHeader = keyof typeof sharedComponents.headers

/** A shared error answer; a description here replaces the shared one (OpenAPI 3.1). */
export const problem = (name: SharedResponse, description?: string) => ({
	$ref: `#/components/responses/${name}`,
	...(description ? { description } : {}),
})

/** A shared answer that is not a problem (`NotModified`). */
export const responseRef = (name: SharedResponse) => ({ $ref: `#/components/responses/${name}` })

export const headerRef = (name: SharedHeader) => ({ $ref: `#/components/headers/${name}` })

/** A JSON request or response body. */
/** The 403 of every admin operation. */
export const adminOnly = {
	description:
		'The caller is not an administrator (`forbidden`), a personal token without the `write` scope (`insufficient-scope`), or `cross-site-request`.',
	content: problemContent({
		type: problemType('forbidden'),
		title: 'Forbidden',
		status: 403,
		detail: 'This action is reserved for administrators.',
	}),
}

export const jsonContent = (schema: z.ZodType) => ({ 'application/json': { schema } })
