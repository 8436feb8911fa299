// What a rendition URL asks for, as text (`w_800,h_600,fit_cover,f_auto`),
// and what it resolves to once the width ladder, the size cap, the request's
// Accept header and the source's alpha have had their say. Pure: the parsing
// is shared by the route, the signer and the tests.

export const renditionFormats = ['avif', 'webp', 'jpeg', 'png'] as const
export type RenditionFormat = (typeof renditionFormats)[number]

export const fits = ['cover', 'contain', 'inside'] as const
export type Fit = (typeof fits)[number]

/** Where a crop or a letterbox keeps the picture: a side, a corner, or sharp's strategies. */
export const positions = [
	'center',
	'top',
	'right',
	'bottom',
	'left',
	'top-left',
	'top-right',
	'bottom-left',
	'bottom-right',
	'attention',
	'entropy',
] as const
export type Position = (typeof positions)[number]

/** No rendition is larger than this on either side. */
export const MAX_RENDITION_SIZE = 4096
export const MAX_DPR = 4

/** Options as the URL states them; anything left out takes its default. */
export type RenditionRequest = {
	width?: number
	height?: number
	fit: Fit
	position: Position
	dpr: number
	quality?: number
	format: RenditionFormat | 'auto'
	/** Allow output larger than the source (never beyond MAX_RENDITION_SIZE). */
	enlarge: boolean
}

/** The concrete rendition: the box in device pixels, snapped to the ladder, and one format. */
export type Rendition = {
	width?: number
	height?: number
	fit: Fit
	position: Position
	quality: number
	format: RenditionFormat
	enlarge: boolean
}

export const DEFAULT_QUALITY: Record<RenditionFormat, number> = {
	avif: 50,
	webp: 75,
	jpeg: 80,
	// PNG is lossless; the number only keeps the key shape uniform.
	png: 100,
}

const defaults: RenditionRequest = {
	fit: 'inside',
	position: 'center',
	dpr: 1,
	format: 'auto',
	enlarge: false,
}

export class InvalidRenditionOptions extends Error {}

const positiveSize = (text: string, name: string) => {
	if (!/^\d{1,5}$/.test(text) || Number(text) < 1) {
		throw new InvalidRenditionOptions(`${name} must be a whole number of pixels from 1`)
	}
	return Number(text)
}

function oneOf<T extends string>(values: readonly T[], text: string, name: string): T {
	const found = values.find((value) => value === text)
	if (!found) throw new InvalidRenditionOptions(`${name} must be one of: ${values.join(', ')}`)
	return found
}

/**
 * Reads `w_800,h_600,fit_cover,pos_attention,dpr_2,q_70,f_webp,enlarge_1`.
 * Unknown or repeated options are refused, so one rendition has one spelling
 * per option set and a typo is an error rather than a silent default.
 */
export function parseOptions(text: string): RenditionRequest {
	const request: RenditionRequest = { ...defaults }
	const seen = new Set<string>()
	if (text === '') return request
	for (const token of text.split(',')) {
		const separator = token.indexOf('_')
		const name = separator > 0 ? token.slice(0, separator) : token
		const value = separator > 0 ? token.slice(separator + 1) : ''
		if (seen.has(name)) throw new InvalidRenditionOptions(`${name} is given twice`)
		seen.add(name)
		switch (name) {
			case 'w':
				request.width = positiveSize(value, 'w (width)')
				break
			case 'h':
				request.height = positiveSize(value, 'h (height)')
				break
			case 'fit':
				request.fit = oneOf(fits, value, 'fit')
				break
			case 'pos':
				request.position = oneOf(positions, value, 'pos (position)')
				break
			case 'dpr':
				if (!/^[1-4](\.\d{1,2})?$/.test(value) || Number(value) > MAX_DPR) {
					throw new InvalidRenditionOptions(`dpr must be a number from 1 to ${MAX_DPR}`)
				}
				request.dpr = Number(value)
				break
			case 'q':
				if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
					throw new InvalidRenditionOptions('q (quality) must be a whole number from 1 to 100')
				}
				request.quality = Number(value)
				break
			case 'f':
				request.format = oneOf([...renditionFormats, 'auto'] as const, value, 'f (format)')
				break
			case 'enlarge':
				if (value !== '1' && value !== '0')
					throw new InvalidRenditionOptions('enlarge must be 0 or 1')
				request.enlarge = value === '1'
				break
			default:
				throw new InvalidRenditionOptions(
					`unknown option "${name}"; known: w, h, fit, pos, dpr, q, f, enlarge`,
				)
		}
	}
	return request
}

/** The URL text for these options, defaults left out, in one fixed order. */
export function formatOptions(options: Partial<RenditionRequest>): string {
	const { width, height, fit, position, dpr, quality, format, enlarge } = {
		...defaults,
		...options,
	}
	return [
		width !== undefined && `w_${width}`,
		height !== undefined && `h_${height}`,
		fit !== defaults.fit && `fit_${fit}`,
		position !== defaults.position && `pos_${position}`,
		dpr !== defaults.dpr && `dpr_${dpr}`,
		quality !== undefined && `q_${quality}`,
		format !== defaults.format && `f_${format}`,
		enlarge && 'enlarge_1',
	]
		.filter(Boolean)
		.join(',')
}

/**
 * The first ladder step at or above `size` (the largest step above the
 * ladder's top), so any size a client asks for lands on one of a few cache keys.
 */
export function snapToLadder(size: number, ladder: readonly number[]): number {
	return ladder.find((step) => step >= size) ?? ladder[ladder.length - 1]!
}

/**
 * The concrete rendition: the box in device pixels (dpr applied), its width,
 * else its height, snapped up the ladder with the other side scaled to keep
 * the asked aspect; both sides within MAX_RENDITION_SIZE; the format chosen.
 */
export function resolveRendition(
	request: RenditionRequest,
	context: { ladder: readonly number[]; accept: string | null; hasAlpha: boolean },
): Rendition {
	const format =
		request.format === 'auto' ? negotiateFormat(context.accept, context.hasAlpha) : request.format
	const box = snappedBox(request, context.ladder)
	return {
		...box,
		fit: request.fit,
		// Only a crop or a letterbox has a position to keep.
		position: request.fit === 'inside' ? 'center' : request.position,
		quality: request.quality ?? DEFAULT_QUALITY[format],
		format,
		enlarge: request.enlarge,
	}
}

function snappedBox(request: RenditionRequest, ladder: readonly number[]) {
	const width = request.width && request.width * request.dpr
	const height = request.height && request.height * request.dpr
	if (!width && !height) return { width: MAX_RENDITION_SIZE, height: MAX_RENDITION_SIZE }
	const leading = width ?? height!
	const snapped = Math.min(snapToLadder(Math.ceil(leading), ladder), MAX_RENDITION_SIZE)
	const scale = snapped / leading
	let box = {
		width: width ? Math.round(width * scale) : undefined,
		height: height ? Math.round(height * scale) : undefined,
	}
	const largest = Math.max(box.width ?? 0, box.height ?? 0)
	if (largest > MAX_RENDITION_SIZE) {
		const shrink = MAX_RENDITION_SIZE / largest
		box = {
			width: box.width && Math.max(1, Math.floor(box.width * shrink)),
			height: box.height && Math.max(1, Math.floor(box.height * shrink)),
		}
	}
	return {
		...(box.width ? { width: box.width } : {}),
		...(box.height ? { height: box.height } : {}),
	}
}

/**
 * `f_auto`: AVIF when the client takes it, then WebP, else JPEG (PNG for a
 * source with transparency, which JPEG would lose). Chromium and Firefox send
 * image/avif for images; curl's `*\/*` gets JPEG, the format every client reads.
 */
export function negotiateFormat(accept: string | null, hasAlpha: boolean): RenditionFormat {
	const accepted = acceptedTypes(accept ?? '')
	if (accepted.has('image/avif')) return 'avif'
	if (accepted.has('image/webp')) return 'webp'
	return hasAlpha ? 'png' : 'jpeg'
}

/** The media types named explicitly with a non-zero q (wildcards say nothing about new formats). */
function acceptedTypes(accept: string): Set<string> {
	const types = new Set<string>()
	for (const part of accept.split(',')) {
		const [type, ...params] = part.trim().toLowerCase().split(';')
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
		if (q && Number(q.slice(2)) === 0) continue
		if (type) types.add(type.trim())
	}
	return types
}

/** One canonical spelling of a concrete rendition, for its cache key. */
export function renditionId(rendition: Rendition): string {
	const { width, height, fit, position, quality, format, enlarge } = rendition
	return `w${width ?? ''}-h${height ?? ''}-${fit}-${position}-q${quality}-e${enlarge ? 1 : 0}.${format}`
}

const ALPHA_FORMATS = ['png', 'webp', 'gif', 'avif', 'heic', 'tiff']

/** Whether a source may be transparent: as its metadata says once read, else whether its format can be. */
export const sourceHasAlpha = (format: string, known: boolean | null | undefined) =>
	known ?? ALPHA_FORMATS.includes(format)

export const CONTENT_TYPES: Record<RenditionFormat, string> = {
	avif: 'image/avif',
	webp: 'image/webp',
	jpeg: 'image/jpeg',
	png: 'image/png',
}
