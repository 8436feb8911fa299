import { z } from 'zod'
import { NotFoundError } from '#app/errors'
import { cacheableJson } from '#app/http/etag.server'
import {
	headerRef,
	jsonContent,
	problem,
	problemContent,
	problemType,
	responseRef,
	sharedComponents,
	SIGNING_UNAVAILABLE,
} from '#app/http/openapi-components'
import { defineOperation, type OperationCall } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import {
	baseUrlOf,
	currentSigningWindow,
	presentImage,
	presentListItem,
	signVariant,
} from '#app/images/present.server'
import { MAX_FILENAME_BYTES } from '#app/images/filename'
import { MAX_QUERY_LENGTH, MAX_TAG_LENGTH } from '#app/images/list-options'
import { reprocessImages } from '#app/images/process.server'
import * as queries from '#app/images/queries.server'
import {
	batchProcessBodySchema,
	batchProcessResponseSchema,
	batchVisibilityBodySchema,
	downloadQuerySchema,
	imageDetailSchema,
	imageIdParamsSchema,
	imageListSchema,
	listQuerySchema,
	MAX_BATCH_IDS,
	processBodySchema,
	SIGNED_URL_LIFETIME,
	uploadHeadersSchema,
	visibilityBodySchema,
} from '#app/images/schemas'
import { deleteImages } from '#app/images/trash.server'
import { setVisibility } from '#app/images/visibility.server'
import { searchImages } from '#app/search/ranking.server'
import { admitUpload } from '#app/images/upload-admission.server'
import * as uploads from '#app/images/upload.server'

// Upload, list, read, download, process and delete images.

const conditionalHeaders = z.object({
	'If-None-Match': z
		.string()
		.optional()
		.meta({
			param: {
				id: 'IfNoneMatch',
				description:
					'ETags of copies the client holds (e.g. the last `ETag` answered); when one matches the current answer (weak comparison; `*` matches any), the answer is `304` without a body.',
				example: 'W/"3q2-7wR1c0Zx9bJf4s8mKqA1dVhY0uE"',
			},
		}),
})

/** Conditional GET (app/http/etag.server.ts), in the description of the answers that have it. */
const conditionalGet = (what: string) => `

**Caching.** The answer carries a weak \`ETag\` (a hash of the body) and \`Cache-Control: private, no-cache\`.
Signed URLs stay the same within a signing window, so an unchanged ${what} gives the same body and ETag.
Send the ETag back in \`If-None-Match\` (a list and \`*\` work too; weak comparison): the answer is then
\`304 Not Modified\` with the ETag and no body, and the copy you kept is still current.`

const cacheHeaders = { ETag: headerRef('ETag'), 'Cache-Control': headerRef('CacheControlNoCache') }

export const listImages = defineOperation({
	method: 'GET',
	path: '/api/images',
	operationId: 'listImages',
	tag: 'Images',
	summary: "List the caller's images, or the team's shared ones",
	description: `The caller's images (\`scope=mine\`, the default), or every image any account shares with the
team (\`scope=team\`, the caller's own shared ones included, never a private one), newest first unless
\`sort\` says otherwise, a page at a time. Filters combine (all must match):

- \`status\` filters on \`overallStatus\`;
- \`q\` searches the file name (any part of it), AI summary, tags and OCR text, by words and, where
  semantic search is set up, by meaning (\`mode\`; then the order is relevance);
- \`tag\` keeps images whose AI tags include this tag exactly;
- \`type\` keeps images of one format (decided from the bytes at upload);
- \`from\` and \`to\` keep images uploaded (or, with \`date=taken\`, taken) on those UTC days (both included).

An empty filter value (\`q=\`) means no filter. Out-of-range or malformed \`page\`, \`pageSize\`,
\`status\`, \`sort\`, \`type\`, \`date\`, \`from\` or \`to\`, a \`from\` after \`to\`, a \`q\` longer than ${MAX_QUERY_LENGTH}
characters or a \`tag\` longer than ${MAX_TAG_LENGTH} characters answer \`422\`.${conditionalGet('page')}`,
	access: 'read',
	rateLimit: 'read',
	query: listQuerySchema,
	headers: conditionalHeaders,
	responses: {
		'200': {
			description: 'One page of images.',
			headers: cacheHeaders,
			content: jsonContent(imageListSchema),
		},
		'304': responseRef('NotModified'),
		'422': problem(
			'ValidationFailed',
			`A bad \`page\`, \`pageSize\`, \`status\`, \`sort\`, \`type\`, \`date\`, \`from\` or \`to\`; \`from\` after \`to\`; a \`q\` over ${MAX_QUERY_LENGTH} or a \`tag\` over ${MAX_TAG_LENGTH} characters.`,
		),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, query, auth }) => {
		const { rows, ...page } = await searchImages(auth.user.id, query)
		const signing = {
			baseUrl: baseUrlOf(request),
			window: currentSigningWindow(),
			viewerId: auth.user.id,
		}
		const items = await Promise.all(rows.map((row) => presentListItem(row, signing)))
		return cacheableJson(request, { items, ...page })
	},
})

const UPLOAD_DESCRIPTION = `One image per request, as \`multipart/form-data\` with the bytes in a part named \`file\`.
Other parts are ignored, as is any second \`file\` part.

- The type is decided by the bytes, not by the file name or the declared type.
  Accepted: JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC. Anything else: \`415\`.
- A body that is not \`multipart/form-data\`, is malformed, or has no \`file\` part: \`400\`.
- Larger than \`MAX_UPLOAD_BYTES\` (default 25 MiB = 26214400 bytes): \`413\`, answered as soon
  as the upload passes the limit (or at once when \`Content-Length\` already says so). The rest is
  read and discarded, never stored nor held in memory, so the connection stays usable; past 64 MiB
  or 15 s of discarding, the server closes it.
- Empty, truncated or with a broken container (segments, chunks, boxes, checksums), or more than
  \`MAX_INPUT_PIXELS\` (default 100 megapixels): \`422\` (\`unprocessable-image\`). The pixels are not
  decoded at upload: a file whose container is whole but whose pixel data cannot be decoded is
  accepted, then ends \`failed\` at the first attempt with the same message.
- A rejected upload leaves no row, no stored object and no job behind.
- The stored \`filename\` is the client's name made safe: no directory part, no control
  characters, at most ${MAX_FILENAME_BYTES} bytes (\`image.<ext>\` when nothing is left).

The answer is \`202 Accepted\` with the new image (\`status\` and \`aiStatus\` \`pending\`); the image
and AI stages run in the background. Poll \`Location\` until \`overallStatus\` is terminal, or follow
\`GET /api/events\` to hear of each change as it happens.

**Idempotency.** With an \`Idempotency-Key\` header, a repeat with the same key by the same user
within 24 hours creates nothing and answers \`202\` with the image the first request created (in
its current state) and the header \`Idempotent-Replayed: true\`. The repeat must carry the same
file (compared by SHA-256); a key reused for a different file within 24 hours is \`422\`. Keys are
per user; concurrent requests with one key create one image.

**Duplicates.** An upload with the same bytes (SHA-256) as a live image of the caller's is kept
with \`duplicateOf\` naming that image, or, when an admin set the instance to refuse duplicates,
answered \`409\` (\`duplicate-image\`) with nothing stored. A replayed \`Idempotency-Key\` is not a
duplicate: it answers the image the first request created, as above.

**Sharing.** An optional \`visibility\` field (\`private\` or \`team\`) decides who sees the new image;
without it, the uploader's preference does (\`private\` unless changed on Settings).`

/** Both upload paths: admitted before the body is read, 202 with the image detail. */
async function acceptUpload({ request, args, auth }: OperationCall<'write', undefined, undefined>) {
	const holder = { userId: auth.user.id, quotaBytes: auth.quotaBytes }
	const { image, replayed } = await admitUpload(holder, () =>
		uploads.uploadImage({
			request,
			...holder,
			idempotencyKey: request.headers.get('Idempotency-Key'),
			requestId: args.context.requestId,
		}),
	)
	const owned = { ...image, ownerEmail: auth.user.email }
	return json(await presentImage(owned, { baseUrl: baseUrlOf(request), viewerId: auth.user.id }), {
		status: 202,
		headers: {
			Location: `/api/images/${image.id}`,
			...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
		},
	})
}

const uploadOperation = ({
	path,
	operationId,
	summary,
	preface = '',
}: {
	path: '/api/images' | '/api/images/upload'
	operationId: string
	summary: string
	preface?: string
}) =>
	defineOperation({
		method: 'POST',
		path,
		operationId,
		tag: 'Images',
		summary,
		description: preface + UPLOAD_DESCRIPTION,
		access: 'write',
		// Counted before the body is read: a refused upload costs no bandwidth or disk.
		rateLimit: 'upload',
		tooManyRequests:
			'Over the `upload` rate limit (`too-many-requests`); or (`too-many-uploads-in-flight`, with `Retry-After` but no `RateLimit-*` of its own) this user already has `MAX_CONCURRENT_UPLOADS_PER_USER` (default 4) uploads in progress, across every web process. Both are answered before the body is read.',
		headers: uploadHeadersSchema,
		// The shared object itself, which the document names by its $ref.
		rawBody: sharedComponents.requestBodies.ImageUpload,
		responses: {
			'202': {
				description:
					'Accepted: the image is stored and queued for processing (or, for a replayed `Idempotency-Key`, the image the first request created).',
				headers: {
					Location: headerRef('ImageLocation'),
					'Idempotent-Replayed': headerRef('IdempotentReplayed'),
				},
				content: jsonContent(imageDetailSchema),
			},
			'400': problem(
				'BadRequest',
				'The body is not `multipart/form-data`, is malformed, or has no `file` part.',
			),
			'403': problem('UploadForbidden'),
			'409': {
				description:
					'The instance refuses duplicate uploads (Admin → Settings) and the caller already has an image with these exact bytes (`duplicate-image`). Nothing was stored; `duplicateOf` and `duplicateUrl` name that image. (With the default setting the upload is kept and its `duplicateOf` says which image it repeats.)',
				content: problemContent({
					type: problemType('duplicate-image'),
					title: 'Duplicate image',
					status: 409,
					detail:
						'You already have this image (the same file); this instance does not keep a second copy.',
					duplicateOf: '0b7e3f0c-5a8e-4f7e-9d51-2f4c8a6b1e93',
					duplicateUrl: '/api/images/0b7e3f0c-5a8e-4f7e-9d51-2f4c8a6b1e93',
				}),
			},
			'413': problem('PayloadTooLarge'),
			'415': problem('UnsupportedMediaType'),
			'422': problem('UploadUnprocessable'),
			'503': problem(
				'StorageUnavailable',
				'Object storage could not be reached; nothing was stored. Retry after `Retry-After` seconds.',
			),
		},
		handler: acceptUpload,
	})

export const uploadImage = uploadOperation({
	path: '/api/images',
	operationId: 'uploadImage',
	summary: 'Upload an image',
})

export const uploadImageAlias = uploadOperation({
	path: '/api/images/upload',
	operationId: 'uploadImageAlias',
	summary: 'Upload an image (alias)',
	preface: 'Identical to `POST /api/images`.\n\n',
})

export const processImages = defineOperation({
	method: 'POST',
	path: '/api/images/process',
	operationId: 'processImages',
	tag: 'Images',
	summary: 'Run stages again for several images',
	description: `Runs the given stages again for up to ${MAX_BATCH_IDS} of the caller's images, all or none: if any id
is not an image the caller can see, nothing changes and the answer is \`404\`; if one is another user's image
shared with the team, \`403\` (an admin may process those). Repeated ids count once.
The answer holds one image detail per distinct id, in no particular order. See
\`POST /api/images/{id}/process\` for what each stage does.`,
	access: 'write',
	// Each image counts, as if it were sent alone to /api/images/{id}/process.
	rateLimit: { perItem: 'process', count: (body: { ids: string[] }) => new Set(body.ids).size },
	tooManyRequests:
		'Over the `process` rate limit, where each distinct image of the batch counts as one request. A batch that would go over is refused whole and counts nothing; its `RateLimit-Remaining` says how many images are left in the window.',
	body: batchProcessBodySchema,
	responses: {
		'202': {
			description: 'Accepted: the images as they are now.',
			content: jsonContent(batchProcessResponseSchema),
		},
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'403': problem('ImageForbidden'),
		'404': problem('NotFound', 'One or more of the ids is not an image the caller can see.'),
		'409': problem(
			'Conflict',
			'Only the `ai` stage was asked for, but the image stage of one of the images failed: process stage `image` again.',
		),
		'422': problem(
			'ValidationFailed',
			`\`ids\` missing, empty, longer than ${MAX_BATCH_IDS} or not UUIDs; or bad \`stages\`.`,
		),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, args, body, auth }) => {
		const rows = await reprocessImages(auth.user, body.ids, body.stages, args.context.requestId)
		const signing = { baseUrl: baseUrlOf(request), viewerId: auth.user.id }
		const items = await Promise.all(rows.map((row) => presentImage(row, signing)))
		return json({ items }, { status: 202 })
	},
})

export const getImage = defineOperation({
	method: 'GET',
	path: '/api/images/{id}',
	operationId: 'getImage',
	tag: 'Images',
	summary: 'One image',
	description: `The image detail, with signed variant URLs valid until \`urlsExpireAt\`. Any account may read an
image shared with the team (without its GPS position, which only the owner sees); another user's private
image is \`404\`.${conditionalGet('image')}`,
	access: 'read',
	rateLimit: 'read',
	params: imageIdParamsSchema,
	headers: conditionalHeaders,
	responses: {
		'200': {
			description: 'The image.',
			headers: cacheHeaders,
			content: jsonContent(imageDetailSchema),
		},
		'304': responseRef('NotModified'),
		'404': problem('NotFound'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, params, auth }) => {
		const image = await queries.getVisibleImage(auth.user, params.id!)
		const signing = { baseUrl: baseUrlOf(request), viewerId: auth.user.id }
		return cacheableJson(request, await presentImage(image, signing))
	},
})

export const deleteImage = defineOperation({
	method: 'DELETE',
	path: '/api/images/{id}',
	operationId: 'deleteImage',
	tag: 'Images',
	summary: 'Delete an image',
	description: `The image is gone for every other operation (\`404\`), its pending jobs are removed and
signed URLs handed out for it stop working. It waits in the trash for \`TRASH_DAYS\` (default 30) days, where
\`POST /api/trash/{id}/restore\` brings it back, and is then removed with every stored object of it. With
\`TRASH_DAYS=0\` it is removed at once. Webhooks get \`image.deleted\` now, not again when the trash is purged.
When storage cannot be reached the answer is \`503\` and nothing changed. Another user's image shared with the
team is \`403\` (only its owner or an admin may delete it); it goes to its owner's trash.`,
	access: 'write',
	params: imageIdParamsSchema,
	responses: {
		'204': { description: 'Deleted.' },
		'403': problem('ImageForbidden'),
		'404': problem('NotFound'),
		'503': problem('StorageUnavailable', 'Storage could not move the files; nothing changed.'),
	},
	handler: async ({ params, auth }) => {
		await deleteImages(auth.user, [params.id!])
		return new Response(null, { status: 204 })
	},
})

export const downloadImage = defineOperation({
	method: 'GET',
	path: '/api/images/{id}/download',
	operationId: 'downloadImage',
	tag: 'Images',
	summary: 'Download a variant',
	description: `Redirects to a signed URL for the variant, served as an attachment
(\`Content-Disposition: attachment\`; thumbnail and optimized copies are named \`<name>-thumbnail.webp\`
and \`<name>-optimized.webp\`). ${SIGNED_URL_LIFETIME}
While the variant does not exist yet (the image stage has not completed) the answer is \`404\`.`,
	access: 'read',
	rateLimit: 'read',
	params: imageIdParamsSchema,
	query: downloadQuerySchema,
	responses: {
		'302': {
			description: 'Found: `Location` is a signed URL of the variant.',
			headers: {
				Location: headerRef('SignedUrlLocation'),
				'Cache-Control': {
					description: 'Always `no-store`.',
					schema: { type: 'string', const: 'no-store' },
				},
			},
		},
		'404': problem('NotFound', 'No such image, or this variant does not exist yet.'),
		'422': problem('ValidationFailed', 'An unknown `variant`.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, params, query, auth }) => {
		const { variant } = query
		const image = await queries.getVisibleImage(auth.user, params.id!)
		const url = await signVariant(image, variant, {
			baseUrl: baseUrlOf(request),
			disposition: 'attachment',
		})
		if (!url) throw new NotFoundError(`The ${variant} of this image does not exist yet.`)
		return new Response(null, {
			status: 302,
			headers: { Location: url, 'Cache-Control': 'no-store' },
		})
	},
})

export const processImage = defineOperation({
	method: 'POST',
	path: '/api/images/{id}/process',
	operationId: 'processImage',
	tag: 'Images',
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
	access: 'write',
	rateLimit: 'process',
	params: imageIdParamsSchema,
	body: processBodySchema,
	bodyOptional: true,
	responses: {
		'202': {
			description: 'Accepted: the image as it is now.',
			content: jsonContent(imageDetailSchema),
		},
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'403': problem('ImageForbidden'),
		'404': problem('NotFound'),
		'409': problem(
			'Conflict',
			'Only the `ai` stage was asked for, but the image stage failed: process stage `image` again.',
		),
		'422': problem('ValidationFailed', 'Bad `stages`.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, args, params, body, auth }) => {
		const image = await queries.getManageableImage(auth.user, params.id!)
		const [updated] = await reprocessImages(
			auth.user,
			[image.id],
			body.stages,
			args.context.requestId,
		)
		const signing = { baseUrl: baseUrlOf(request), viewerId: auth.user.id }
		return json(await presentImage(updated!, signing), { status: 202 })
	},
})

export const updateImage = defineOperation({
	method: 'PATCH',
	path: '/api/images/{id}',
	operationId: 'updateImage',
	tag: 'Images',
	summary: 'Share an image with the team, or make it private',
	description: `\`{ "visibility": "team" }\` shares the image with every account of the instance: they may view and
download it, but only its owner or an admin may process, delete or change it. \`{ "visibility": "private" }\`
makes it its owner's alone again. The owner may change it; an admin may change a shared one. Another user's
shared image is \`403\`, their private one \`404\`. Each change is recorded in the audit log.`,
	access: 'write',
	rateLimit: 'process',
	params: imageIdParamsSchema,
	body: visibilityBodySchema,
	responses: {
		'200': { description: 'The image as it is now.', content: jsonContent(imageDetailSchema) },
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'403': problem('ImageForbidden'),
		'404': problem('NotFound'),
		'422': problem('ValidationFailed', '`visibility` missing or not `private` or `team`.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, args, params, body, auth }) => {
		const [image] = await setVisibility(args, auth.user, [params.id!], body.visibility)
		const signing = { baseUrl: baseUrlOf(request), viewerId: auth.user.id }
		return json(await presentImage(image!, signing))
	},
})

export const setImagesVisibility = defineOperation({
	method: 'POST',
	path: '/api/images/visibility',
	operationId: 'setImagesVisibility',
	tag: 'Images',
	summary: 'Share several images with the team, or make them private',
	description: `Sets \`visibility\` of up to ${MAX_BATCH_IDS} images at once, all or none, by the rules of
\`PATCH /api/images/{id}\`: if any id is not an image the caller can see, nothing changes and the answer is
\`404\`; if one is another user's shared image (and the caller is not an admin), \`403\`. Repeated ids count
once. The answer holds one image detail per distinct id, in no particular order. One audit log entry
records the whole request.`,
	access: 'write',
	rateLimit: 'process',
	body: batchVisibilityBodySchema,
	responses: {
		'200': {
			description: 'The images as they are now.',
			content: jsonContent(batchProcessResponseSchema),
		},
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'403': problem('ImageForbidden'),
		'404': problem('NotFound', 'One or more of the ids is not an image the caller can see.'),
		'422': problem(
			'ValidationFailed',
			`\`ids\` missing, empty, longer than ${MAX_BATCH_IDS} or not UUIDs; or a bad \`visibility\`.`,
		),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, args, body, auth }) => {
		const rows = await setVisibility(args, auth.user, body.ids, body.visibility)
		const signing = { baseUrl: baseUrlOf(request), viewerId: auth.user.id }
		return json({ items: await Promise.all(rows.map((row) => presentImage(row, signing))) })
	},
})
