import { createHmac, timingSafeEqual } from 'node:crypto'
import { config, getSecretKeys } from '#app/config.server'
import {
	formatOptions,
	MAX_RENDITION_SIZE,
	type RenditionFormat,
	type RenditionRequest,
	snapToLadder,
} from './options'

// Rendition URLs: /img/<signature>/<image id>/v<version>/<options>. The
// signature is an HMAC over the rest of the path, as imgproxy signs its URLs:
// whoever holds the URL may fetch exactly that rendition, for good (no expiry,
// so pages and CDNs can cache it), until the image is deleted or processed
// again, which changes its version. `_` in place of a signature is allowed
// only for `p_<preset>` on images shared by a live link (app/renditions/access.server.ts).

export const UNSIGNED = '_'

/** 128 bits, base64url: 22 characters. */
const SIGNATURE_BYTES = 16

type Versioned = { id: string; version: number }

const signingKeys = new Map<string, Buffer>()
/** Each secret key gets a key of its own for renditions: a signature is worth nothing elsewhere. */
function signingKey(secret: string) {
	let key = signingKeys.get(secret)
	if (!key) {
		key = createHmac('sha256', secret).update('darkroom rendition urls').digest()
		signingKeys.set(secret, key)
	}
	return key
}

function sign(secret: string, image: Versioned, options: string) {
	return createHmac('sha256', signingKey(secret))
		.update(`${image.id}/v${image.version}/${options}`)
		.digest()
		.subarray(0, SIGNATURE_BYTES)
		.toString('base64url')
}

/** The options segment: never empty (all defaults is `f_auto`). */
const optionsText = (options: Partial<RenditionRequest>) => formatOptions(options) || 'f_auto'

/** A signed rendition path; `baseUrl` makes it absolute. */
export function renditionUrl(
	image: Versioned,
	options: Partial<RenditionRequest>,
	baseUrl = '',
): string {
	return signedUrl(image, optionsText(options), baseUrl)
}

function signedUrl(image: Versioned, options: string, baseUrl: string) {
	const [secret] = getSecretKeys()
	return `${baseUrl}/img/${sign(secret!, image, options)}/${image.id}/v${image.version}/${options}`
}

/** An unsigned preset path: works while the image is shared by a live link. */
export function presetUrl(image: Versioned, preset: string, baseUrl = ''): string {
	if (!(preset in config.renditions.presets)) throw new Error(`Unknown rendition preset: ${preset}`)
	return `${baseUrl}/img/${UNSIGNED}/${image.id}/v${image.version}/p_${preset}`
}

/** Whether `signature` was made by any current or previous secret key for this path. */
export function isValidSignature(signature: string, image: Versioned, options: string): boolean {
	const given = Buffer.from(signature, 'base64url')
	if (given.length !== SIGNATURE_BYTES) return false
	return getSecretKeys().some((secret) =>
		timingSafeEqual(given, Buffer.from(sign(secret, image, options), 'base64url')),
	)
}

/** The formats a srcset is offered in; PNG too for an image with transparency. */
const SRCSET_FORMATS = ['avif', 'webp', 'jpeg'] as const

export type RenditionSet = {
	srcset: Record<'avif' | 'webp' | 'jpeg', string> & { png?: string }
	/** A JPEG (PNG with transparency) about 1024 px wide, for `<img src>`. */
	src: string
	/** Each configured preset, signed: `<name>: url`. */
	presets: Record<string, string>
}

/**
 * srcset strings for the width ladder up to the image's own width (the last
 * entry is the image at full width, within MAX_RENDITION_SIZE), per format.
 */
export function renditionSet(
	image: Versioned & { width: number; hasAlpha: boolean },
	baseUrl: string,
): RenditionSet {
	const widths = srcsetWidths(image.width)
	const srcsetOf = (format: RenditionFormat) =>
		widths
			.map(
				({ ask, actual }) => `${renditionUrl(image, { width: ask, format }, baseUrl)} ${actual}w`,
			)
			.join(', ')
	const formats = image.hasAlpha ? [...SRCSET_FORMATS, 'png' as const] : SRCSET_FORMATS
	const srcset = Object.fromEntries(formats.map((format) => [format, srcsetOf(format)]))
	const fallback = image.hasAlpha ? 'png' : 'jpeg'
	const middle = widths.find(({ actual }) => actual >= 1024) ?? widths[widths.length - 1]!
	return {
		srcset: srcset as RenditionSet['srcset'],
		src: renditionUrl(image, { width: middle.ask, format: fallback }, baseUrl),
		presets: Object.fromEntries(
			Object.keys(config.renditions.presets).map((name) => [
				name,
				signedUrl(image, `p_${name}`, baseUrl),
			]),
		),
	}
}

/** Ladder steps below the image's width, then the image's width itself (asked as the next step). */
function srcsetWidths(imageWidth: number) {
	const full = Math.min(imageWidth, MAX_RENDITION_SIZE)
	// The ladder may stop short of the image: its top step is then the widest.
	const last = snapToLadder(full, config.renditions.widths)
	const widest = Math.min(last, full)
	const below = config.renditions.widths.filter((width) => width < widest)
	return [...below.map((width) => ({ ask: width, actual: width })), { ask: last, actual: widest }]
}
