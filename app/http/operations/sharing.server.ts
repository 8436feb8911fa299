import { z } from 'zod'
import { jsonContent, problem } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import { baseUrlOf } from '#app/images/present.server'
import {
	createShareLink as createUserShareLink,
	getOwnedShareLink,
	listShareLinks as listUserShareLinks,
	listShareLinkViews,
	presentShareLink,
	revokeShareLink as revokeUserShareLink,
} from '#app/sharing/links.server'
import {
	createShareLinkSchema,
	RECENT_VIEWS,
	shareLinkDetailSchema,
	shareLinkListSchema,
	shareLinkSchema,
} from '#app/sharing/schemas'

// /api/share-links: public links to one of the caller's images or albums.
// Reading needs the `read` scope, making and revoking them `write`.

const linkId = z.uuid().meta({
	param: {
		id: 'ShareLinkId',
		description:
			"The link id (not its token). A value that is not a UUID, an unknown id and another user's link all answer `404`.",
	},
})

export const listShareLinks = defineOperation({
	method: 'GET',
	path: '/api/share-links',
	operationId: 'listShareLinks',
	tag: 'Sharing',
	summary: "List the caller's share links",
	description: 'Newest first, revoked and expired ones too, each with its number of views.',
	access: 'read',
	rateLimit: 'read',
	responses: { '200': { description: 'The links.', content: jsonContent(shareLinkListSchema) } },
	handler: async ({ auth, request }) => {
		const links = await listUserShareLinks(auth.user.id)
		const baseUrl = baseUrlOf(request)
		return json({ items: links.map((link) => presentShareLink(link, baseUrl)) })
	},
})

export const createShareLink = defineOperation({
	method: 'POST',
	path: '/api/share-links',
	operationId: 'createShareLink',
	tag: 'Sharing',
	summary: 'Share an image or an album by link',
	description: `Makes an unguessable link (\`url\`, \`/s/<token>\`) that anyone may open without signing in: a
page with the image, or the album's images in order, served as rendition presets only (no metadata,
no location, nothing else of yours). With a \`password\`, visitors type it first (wrong guesses are
rate-limited per address); with \`allowDownload\`, they may download the originals. It stops working
at \`expiresAt\`, or when revoked: the page answers \`410\` and its images \`404\` from then on (a cache
in front may keep an image up to 60 seconds).`,
	access: 'write',
	rateLimit: 'process',
	body: createShareLinkSchema,
	responses: {
		'201': { description: 'Created.', content: jsonContent(shareLinkSchema) },
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'404': problem(
			'NotFound',
			'The image or album is not one of yours (or the image is in the trash).',
		),
		'422': problem(
			'ValidationFailed',
			'Neither or both of `imageId` and `albumId`, an `expiresAt` in the past, an empty `password`.',
		),
	},
	handler: async ({ args, auth, body, request }) => {
		const link = await createUserShareLink(args, auth.user, body)
		return json(presentShareLink(link, baseUrlOf(request)), {
			status: 201,
			headers: { Location: `/api/share-links/${link.id}` },
		})
	},
})

export const getShareLink = defineOperation({
	method: 'GET',
	path: '/api/share-links/{id}',
	operationId: 'getShareLink',
	tag: 'Sharing',
	summary: 'One share link and its recent views',
	description: `The link and its ${RECENT_VIEWS} latest views, newest first: when, the browser's \`User-Agent\`, and the referring page's origin (never its path).`,
	access: 'read',
	rateLimit: 'read',
	params: z.object({ id: linkId }),
	responses: {
		'200': { description: 'The link.', content: jsonContent(shareLinkDetailSchema) },
		'404': problem('ShareLinkNotFound'),
	},
	handler: async ({ auth, params, request }) => {
		const link = await getOwnedShareLink(auth.user.id, params.id!)
		const views = await listShareLinkViews(link.id)
		return json({ link: presentShareLink(link, baseUrlOf(request)), views })
	},
})

export const revokeShareLink = defineOperation({
	method: 'POST',
	path: '/api/share-links/{id}/revoke',
	operationId: 'revokeShareLink',
	tag: 'Sharing',
	summary: 'Revoke a share link',
	description:
		'The page answers `410` and its images `404` at once. Revoking a revoked link changes nothing. No body is needed.',
	access: 'write',
	rateLimit: 'process',
	params: z.object({ id: linkId }),
	responses: {
		'200': { description: 'The link, revoked.', content: jsonContent(shareLinkSchema) },
		'404': problem('ShareLinkNotFound'),
	},
	handler: async ({ args, auth, params, request }) => {
		const link = await revokeUserShareLink(args, auth.user, params.id!)
		return json(presentShareLink(link, baseUrlOf(request)))
	},
})
