import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import {
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
	forgetMissingRendition,
	obtainRendition,
	renditionKey,
	type StoredRendition,
	touchRendition,
} from '#app/renditions/renditions.server'
import {
	candidateKeys,
	parseRenditionPath,
	renditionFor,
	renditionHeaders,
	requestedOptions,
	WHOLE_READ_BYTES,
} from '#app/renditions/request.server'
import { renditionRequests } from '#app/metrics.server'
import { storage } from '#app/storage/storage.server'

// GET /img/<signature>/<image id>/v<version>/<options>: a rendition, made on
// the first request and served from storage after (docs/decisions/025-renditions.md).
// Signed URLs are immutable; unsigned preset URLs of shared images are cached
// briefly, since revoking the link must stop them. Most hits of signed URLs
// are answered before Remix by the web server (app/renditions/hits.server.ts);
// this route answers everything else.

export const loader = answerProblems(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const path = parseRenditionPath(args.params['*'] ?? '')
	if (!path) throw new NotFoundError('There is nothing here.')
	const { unsigned, version } = path
	if (!unsigned && !path.signed) throw new ForbiddenError('This image link is invalid.')
	const requested = requestedOptions(path.optionsText, unsigned)
	const accept = request.headers.get('Accept')
	const image = await findRenditionImage(path.imageId, {
		withSharing: unsigned,
		keys: candidateKeys(path, requested, accept),
	})
	assertServable(image, { unsigned, version })

	const rendition = renditionFor(requested, accept, image.hasAlpha)
	const key = renditionKey(image, rendition)
	const headers = renditionHeaders(key, { unsigned, negotiated: requested.format === 'auto' })
	if (ifNoneMatchMatches(request.headers.get('If-None-Match'), headers.ETag!)) {
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
