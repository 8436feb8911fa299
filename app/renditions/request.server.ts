import { createHash } from 'node:crypto'
import { config } from '#app/config.server'
import { BadRequestError, ForbiddenError, NotFoundError } from '#app/errors'
import {
	InvalidRenditionOptions,
	parseOptions,
	type RenditionRequest,
	resolveRendition,
} from './options'
import { renditionKey } from './renditions.server'
import { isValidSignature, UNSIGNED } from './urls.server'

// What a rendition URL asks for, read the same way by the route
// (app/routes/img.$.ts) and by the web server's hit path (hits.server.ts).

/** `<signature>/<image id>/v<version>/<options>`, the part after /img/. */
const PATH = /^([A-Za-z0-9_-]{22}|_)\/([0-9a-f-]{36})\/v(\d{1,9})\/([a-z0-9_.,-]{1,200})$/

export type RenditionPath = {
	imageId: string
	version: number
	optionsText: string
	/** `_` in place of a signature: a preset of a shared image. */
	unsigned: boolean
	/** The signature is valid for the rest of the path (always false when unsigned). */
	signed: boolean
}

/** Stored renditions up to this size are answered from one read; larger ones stream. */
export const WHOLE_READ_BYTES = 1024 * 1024

const IMMUTABLE = 'public, max-age=31536000, immutable'
/** A shared image's preset: a cache in front may keep it this long after the link is revoked. */
const REVOCABLE = 'public, max-age=60'

/** The path after /img/, or null when it is not the shape of a rendition URL. */
export function parseRenditionPath(text: string): RenditionPath | null {
	const match = PATH.exec(text)
	if (!match) return null
	const [, signature, imageId, versionText, optionsText] = match as unknown as string[]
	const unsigned = signature === UNSIGNED
	const version = Number(versionText)
	return {
		imageId: imageId!,
		version,
		optionsText: optionsText!,
		unsigned,
		signed: !unsigned && isValidSignature(signature!, { id: imageId!, version }, optionsText!),
	}
}

/** The preset an unsigned URL names, or the signed URL's options; 400/403/404 otherwise. */
export function requestedOptions(text: string, unsigned: boolean): RenditionRequest {
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

/**
 * The concrete rendition for this request: `f_auto` depends on Accept and on
 * whether the source may have transparency, known only from its row.
 */
export const renditionFor = (
	requested: RenditionRequest,
	accept: string | null,
	hasAlpha: boolean,
) => resolveRendition(requested, { ladder: config.renditions.widths, accept, hasAlpha })

/** The stored keys a request may need: [0] for a source without transparency, [1] with. */
export const candidateKeys = (
	path: RenditionPath,
	requested: RenditionRequest,
	accept: string | null,
) =>
	[false, true].map((alpha) =>
		renditionKey(
			{ id: path.imageId, version: path.version },
			renditionFor(requested, accept, alpha),
		),
	)

/** The headers of every answer about one rendition (200, 304, HEAD), before its type and length. */
export function renditionHeaders(
	key: string,
	{ unsigned, negotiated }: { unsigned: boolean; negotiated: boolean },
): Record<string, string> {
	return {
		// Strong: the bytes under a key never change.
		ETag: `"${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`,
		'Cache-Control': unsigned ? REVOCABLE : IMMUTABLE,
		// Any page may show it, and read its pixels into a canvas.
		'Access-Control-Allow-Origin': '*',
		'Cross-Origin-Resource-Policy': 'cross-origin',
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
		...(negotiated ? { Vary: 'Accept' } : {}),
	}
}
