import { createHash } from 'node:crypto'
import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import { config } from '#app/config.server'
import {
	BadRequestError,
	ForbiddenError,
	GoneError,
	NotFoundError,
	ObjectNotFoundError,
	UnprocessableImageError,
} from '#app/errors'
import { ifNoneMatchMatches } from '#app/http/etag.server'
import { answerProblems } from '#app/http/problem.server'
import { clientIpOf, hit } from '#app/rate-limit.server'
import { findRenditionImage, type RenditionImage } from '#app/renditions/access.server'
import {
	InvalidRenditionOptions,
	parseOptions,
	type RenditionRequest,
	resolveRendition,
} from '#app/renditions/options'
import {
	forgetMissingRendition,
	obtainRendition,
	renditionKey,
	type StoredRendition,
	touchRendition,
} from '#app/renditions/renditions.server'
import { isValidSignature, UNSIGNED } from '#app/renditions/urls.server'
import { renditionRequests } from '#app/metrics.server'
import { storage } from '#app/storage/storage.server'

// GET /img/<signature>/<image id>/v<version>/<options>: a rendition, made on
// the first request and served from storage after (docs/decisions/025-renditions.md).
// Signed URLs are immutable; unsigned preset URLs of shared images are cached
// briefly, since revoking the link must stop them.

const PATH = /^([A-Za-z0-9_-]{22}|_)\/([0-9a-f-]{36})\/v(\d{1,9})\/([a-z0-9_.,-]{1,200})$/

const WHOLE_READ_BYTES = 1024 * 1024

const IMMUTABLE = 'public, max-age=31536000, immutable'
/** A shared image's preset: a cache in front may keep it this long after the link is revoked. */
const REVOCABLE = 'public, max-age=60'

export const loader = answerProblems(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const match = PATH.exec(args.params['*'] ?? '')
	if (!match) throw new NotFoundError('There is nothing here.')
	const [, signature, imageId, versionText, optionsText] = match as unknown as string[]
	const unsigned = signature === UNSIGNED
	const version = Number(versionText)
	if (!unsigned && !isValidSignature(signature!, { id: imageId!, version }, optionsText!)) {
		throw new ForbiddenError('This image link is invalid.')
	}
	const requested = requestedOptions(optionsText!, unsigned)
	// The rendition depends on whether the source has alpha, known only from
	// its row: both candidates' keys go into the one query.
	const resolve = (hasAlpha: boolean) =>
		resolveRendition(requested, {
			ladder: config.renditions.widths,
			accept: request.headers.get('Accept'),
			hasAlpha,
		})
	const candidates = [false, true].map((alpha) =>
		renditionKey({ id: imageId!, version }, resolve(alpha)),
	)
	const image = await findRenditionImage(imageId!, { withSharing: unsigned, keys: candidates })
	assertServable(image, { unsigned, version })

	const rendition = resolve(image.hasAlpha)
	const key = renditionKey(image, rendition)
	const etag = `"${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`
	const headers: Record<string, string> = {
		ETag: etag,
		'Cache-Control': unsigned ? REVOCABLE : IMMUTABLE,
		// Any page may show it, and read its pixels into a canvas.
		'Access-Control-Allow-Origin': '*',
		'Cross-Origin-Resource-Policy': 'cross-origin',
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
		...(requested.format === 'auto' ? { Vary: 'Accept' } : {}),
	}
	if (ifNoneMatchMatches(request.headers.get('If-None-Match'), etag)) {
		renditionRequests.inc({ result: 'not-modified' })
		return new Response(null, { status: 304, headers })
	}

	const stored = image.stored.find((candidate) => candidate.key === key)
	if (stored) {
		const response = await streamStored(stored, headers, request.method === 'HEAD')
		if (response) {
			touchRendition(stored)
			renditionRequests.inc({ result: 'hit' })
			return response
		}
	}
	// A miss: counted per client and per image before any work, so a flood of
	// new option sets is refused rather than rendered.
	await hit(request, 'rendition', clientIpOf(args))
	await hit(request, 'renditionImage', image.id)
	const made = await obtainRendition(image, rendition)
	renditionRequests.inc({ result: 'miss' })
	Object.assign(headers, {
		'Content-Type': made.contentType,
		'Content-Length': String(made.byteSize),
	})
	if (request.method === 'HEAD') return new Response(null, { status: 200, headers })
	if (made.bytes) return new Response(viewOf(made.bytes), { status: 200, headers })
	const response = await streamStored(made, headers, false)
	if (!response) throw new ObjectNotFoundError('The rendition was removed while it was being sent.')
	return response
})

/** The preset an unsigned URL names, or the signed URL's options; 400/403 otherwise. */
function requestedOptions(text: string, unsigned: boolean): RenditionRequest {
	const preset = /^p_([a-z0-9-]{1,32})$/.exec(text)?.[1]
	if (preset !== undefined) {
		const options = config.renditions.presets[preset]
		if (!options) throw new NotFoundError(`There is no preset named "${preset}".`)
		return options
	}
	if (unsigned) {
		throw new ForbiddenError(
			'Only a named preset (p_<name>) may be asked for without a signature; get signed URLs from the API.',
		)
	}
	try {
		return parseOptions(text)
	} catch (error) {
		if (error instanceof InvalidRenditionOptions) throw new BadRequestError(error.message)
		throw error
	}
}

function assertServable(
	image: RenditionImage | null,
	{ unsigned, version }: { unsigned: boolean; version: number },
): asserts image is RenditionImage {
	// Unsigned: what is not shared (any more) looks like nothing at all.
	if (unsigned && !(image?.shared && !image.deleted)) {
		throw new NotFoundError('This image is not shared, or its link was revoked or has expired.')
	}
	if (!image || image.deleted) throw new GoneError('This image has been deleted.')
	if (image.version !== version) {
		throw new GoneError(
			'This image was processed again, which changed its URLs; ask the API for the new ones.',
		)
	}
	if (image.failed) {
		throw new UnprocessableImageError('This image could not be decoded, so it has no renditions.')
	}
}

/** The stored file as the response, or null when it has gone (forgotten, to be made again). */
async function streamStored(
	stored: StoredRendition,
	headers: Record<string, string>,
	headOnly: boolean,
): Promise<Response | null> {
	const all = {
		...headers,
		'Content-Type': stored.contentType,
		'Content-Length': String(stored.byteSize),
	}
	if (headOnly) return new Response(null, { status: 200, headers: all })
	try {
		// Most renditions are tens of KiB: one read is cheaper than a stream. Large ones stream.
		if (stored.byteSize <= WHOLE_READ_BYTES) {
			return new Response(viewOf(await storage.get(stored.key)), { status: 200, headers: all })
		}
		const { stream } = await storage.getStream(stored.key)
		return new Response(createReadableStreamFromReadable(stream), { status: 200, headers: all })
	} catch (error) {
		if (!(error instanceof ObjectNotFoundError)) throw error
		await forgetMissingRendition(stored.key)
		return null
	}
}

/** The buffer's bytes as a Response body takes them, without a copy. */
const viewOf = (bytes: Buffer) =>
	new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength)
