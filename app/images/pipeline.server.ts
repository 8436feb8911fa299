import exifr from 'exifr'
import sharp, { type Sharp, type SharpOptions } from 'sharp'
import { rgbaToThumbHash } from 'thumbhash'
import { UnprocessableImageError } from '#app/errors'
import type { ImageMetadata } from '#db/schema'
import { differenceHash } from '#app/duplicates/phash.server'
import { CONTENT_TYPES, type Rendition } from '#app/renditions/options'
import { readHeic } from './heic.server'
import { type AcceptedFormat, formatForContentType } from './sniff.server'
import { CORRUPT_IMAGE_MESSAGE, checkStructure } from './structure.server'

// Pure image work: bytes in, results out. No database, storage or config here;
// every limit arrives as an option so the worker and the upload path share it.

/** `format` is optional because the worker only keeps the stored content type. */
export type ImageType = { contentType: string; format?: AcceptedFormat }

export type InspectOptions = { maxInputPixels: number }

export type ProcessOptions = {
	thumbnailMaxSize: number
	optimizedMaxSize: number
	maxInputPixels: number
}

export type InspectedImage = { format: string; width: number; height: number }

export type EncodedVariant = {
	buffer: Buffer
	contentType: 'image/webp'
	width: number
	height: number
	byteSize: number
}

export type ProcessedImage = {
	metadata: ImageMetadata
	thumbnail: EncodedVariant
	optimized: EncodedVariant
	/** ThumbHash of the thumbnail, base64: a ~25-byte blurred preview for clients. */
	placeholder: string
	/** 64-bit difference hash of the thumbnail, for near-duplicates (app/duplicates). */
	phash: bigint
}

/** When the photo was taken, from its EXIF (stored apart as images.taken_at). */
export function takenAtOf(metadata: ImageMetadata): Date | null {
	const takenAt = metadata.exif?.takenAt
	return takenAt ? new Date(takenAt) : null
}

/**
 * Upload-time check of the spooled file, without a pixel decode: its container
 * is complete (checkStructure) and its header gives the dimensions as shown
 * (after EXIF orientation) within the pixel limit. A file that passes and still
 * fails to decode is the worker's to find (decision 002).
 */
export async function inspectImage(
	filePath: string,
	type: ImageType,
	options: InspectOptions,
): Promise<InspectedImage> {
	const format = formatOf(type)
	// sharp reads only the header from a path; for HEIC its libheif parses the
	// container (which image is primary, its size) without the HEVC decoder.
	// First, so a pixel bomb is named as one even when it is also cut short.
	const header = await readHeader(filePath, options.maxInputPixels)
	if (format) await checkStructure(filePath, format)
	return {
		format: format ?? header.format,
		width: header.autoOrient.width,
		height: header.autoOrient.height,
	}
}

/** Metadata plus the two WebP derivatives, auto-oriented and stripped of metadata. */
export async function processImage(
	input: Buffer,
	type: ImageType,
	options: ProcessOptions,
): Promise<ProcessedImage> {
	const source = await openSource(input, type, options.maxInputPixels)
	const [{ thumbnail, optimized }, exif] = await Promise.all([
		encodeVariants(source, options),
		readExif(source.exifInput),
	])
	// Both from the small thumbnail (about a millisecond each), never from the original again.
	const [placeholder, phash] = await Promise.all([
		thumbHashOf(thumbnail.buffer),
		differenceHash(thumbnail.buffer),
	])
	return { metadata: { ...source.metadata, ...exif }, thumbnail, optimized, placeholder, phash }
}

export type RenderOptions = { maxInputPixels: number; avifEffort: number }

export type RenderedRendition = {
	buffer: Buffer
	contentType: string
	width: number
	height: number
}

/**
 * One rendition of the original: auto-oriented, its first frame, resized into
 * the box (never enlarged unless asked), in 8-bit sRGB, encoded as asked, with
 * no metadata at all (EXIF, GPS, XMP and ICC dropped, as for the variants).
 */
export async function renderRendition(
	input: Buffer,
	type: ImageType,
	rendition: Rendition,
	options: RenderOptions,
): Promise<RenderedRendition> {
	const source = await openSource(input, type, options.maxInputPixels)
	const { width, height, fit, position, quality, format, enlarge } = rendition
	let image = source
		.load(false)
		.resize({
			width,
			height,
			fit,
			position: sharpPosition(position),
			withoutEnlargement: !enlarge,
			// Letterboxing (contain) is transparent where the format allows, white in JPEG.
			background: { r: 255, g: 255, b: 255, alpha: format === 'jpeg' ? 1 : 0 },
		})
		.toColourspace('srgb')
	if (format === 'jpeg') image = image.flatten({ background: '#ffffff' })
	const encoded =
		format === 'avif'
			? image.avif({ quality, effort: options.avifEffort })
			: format === 'webp'
				? image.webp({ quality, effort: 4 })
				: format === 'jpeg'
					? image.jpeg({ quality, progressive: true, mozjpeg: true })
					: image.png({ compressionLevel: 9, effort: 4 })
	const { data, info } = await decoding(encoded.toBuffer({ resolveWithObject: true }))
	return {
		buffer: data,
		contentType: CONTENT_TYPES[format],
		width: info.width,
		height: info.height,
	}
}

/** sharp's names for a position: gravities, and the two crop strategies. */
function sharpPosition(position: Rendition['position']): string | number {
	if (position === 'attention') return sharp.strategy.attention
	if (position === 'entropy') return sharp.strategy.entropy
	if (position === 'center') return 'centre'
	// 'top-left' → 'left top', as sharp spells corners.
	return position.split('-').reverse().join(' ')
}

/** The original opened for decoding: HEIC through libheif, everything else by sharp. */
function openSource(input: Buffer, type: ImageType, maxInputPixels: number): Promise<Source> {
	const format = formatOf(type)
	return format === 'heic'
		? openHeic(input, maxInputPixels)
		: openWithSharp(input, format, maxInputPixels)
}

/**
 * A still image is decoded once, to the larger of the two sizes, and both
 * copies are made from those pixels: a second decode of the original cost
 * 10–30 % of the stage (WebP and TIFF most). An animation keeps its frames in
 * the optimized copy; its thumbnail is the first frame.
 */
async function encodeVariants(source: Source, options: ProcessOptions) {
	const thumbnailOptions = { maxSize: options.thumbnailMaxSize, effort: 4 }
	// Effort 2 encodes a 2048 px copy about twice as fast as the default 4
	// for files only 2-3% larger.
	const optimizedOptions = { maxSize: options.optimizedMaxSize, effort: 2 }
	if (source.animated) {
		const [thumbnail, optimized] = await Promise.all([
			encodeVariant(source.load(false), thumbnailOptions),
			encodeVariant(source.load(true), optimizedOptions),
		])
		return { thumbnail, optimized }
	}
	const pixels = await decodeFitted(
		source.load(false),
		Math.max(options.thumbnailMaxSize, options.optimizedMaxSize),
	)
	const [thumbnail, optimized] = await Promise.all([
		encodeVariant(pixels(), thumbnailOptions),
		encodeVariant(pixels(), optimizedOptions),
	])
	return { thumbnail, optimized }
}

/** Decodes once to 8-bit sRGB within `maxSize`; each call of the result is a new pipeline from those pixels. */
async function decodeFitted(image: Sharp, maxSize: number): Promise<() => Sharp> {
	const { data, info } = await decoding(
		fitted(image, maxSize).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }),
	)
	const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 }
	return () => sharp(data, { raw })
}

/** Within `maxSize` on both sides, never enlarged, in the 8-bit sRGB browsers expect. */
function fitted(image: Sharp, maxSize: number): Sharp {
	return (
		image
			.resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true })
			// Converts CMYK, 16-bit and grey input.
			.toColourspace('srgb')
	)
}

function formatOf(type: ImageType): AcceptedFormat | null {
	return type.format ?? formatForContentType(type.contentType)
}

type Source = {
	metadata: Omit<ImageMetadata, 'exif' | 'gps'>
	/** The EXIF block as a TIFF structure, which exifr reads whatever the container. */
	exifInput: Buffer | null
	animated: boolean
	load: (animated: boolean) => Sharp
}

async function openWithSharp(
	input: Buffer,
	format: AcceptedFormat | null,
	maxInputPixels: number,
): Promise<Source> {
	const header = await readHeader(input, maxInputPixels)
	const pages = header.pages ?? 1
	// All frames of an animation count against the pixel limit together; one
	// that is too long as a whole still gets processed as a still of frame one.
	const animated =
		pages > 1 &&
		(header.format === 'gif' || header.format === 'webp') &&
		header.width * header.height * pages <= maxInputPixels
	return {
		metadata: {
			format: format ?? header.format,
			width: header.autoOrient.width,
			height: header.autoOrient.height,
			space: header.space ?? null,
			hasAlpha: header.hasAlpha,
			orientation: header.orientation ?? null,
			density: header.density ?? null,
			pages,
		},
		exifInput: header.exif ? tiffFromExifBlock(header.exif) : null,
		animated,
		load: (all) => sharp(input, { ...decodeOptions(maxInputPixels), animated: all && animated }),
	}
}

function decodeOptions(maxInputPixels: number): SharpOptions {
	return { failOn: 'truncated', limitInputPixels: maxInputPixels, autoOrient: true }
}

/** Header only: cheap even for a pixel bomb, which gets a message naming its size. */
async function readHeader(input: Buffer | string, maxInputPixels: number) {
	const header = await decoding(sharp(input, { limitInputPixels: false }).metadata())
	assertWithinPixelLimit(header.width, header.height, maxInputPixels)
	return header
}

function assertWithinPixelLimit(width: number, height: number, maxInputPixels: number) {
	if (width * height <= maxInputPixels) return
	throw new UnprocessableImageError(
		`The image is ${width}×${height} pixels (${megapixels(width * height)} megapixels); ` +
			`the limit is ${megapixels(maxInputPixels)} megapixels.`,
	)
}

function megapixels(pixels: number): string {
	const value = pixels / 1_000_000
	return String(Number(value.toFixed(value < 1 ? 3 : 1)))
}

async function encodeVariant(
	image: Sharp,
	{ maxSize, effort }: { maxSize: number; effort: number },
): Promise<EncodedVariant> {
	const { data, info } = await decoding(
		fitted(image, maxSize)
			// No keep*/with* metadata calls, so EXIF, GPS, XMP and ICC are all dropped.
			.webp({ quality: 80, effort })
			.toBuffer({ resolveWithObject: true }),
	)
	return {
		buffer: data,
		contentType: 'image/webp',
		width: info.width,
		// For an animation `height` is all frames stacked; one frame is what people see.
		height: info.pageHeight ?? info.height,
		byteSize: data.byteLength,
	}
}

/** ThumbHash encodes at most 100×100 px. */
const THUMBHASH_MAX_SIZE = 100

/**
 * Derived from the encoded thumbnail, not the original: decoding a 256 px
 * WebP costs about a millisecond, a second decode of the original far more.
 */
async function thumbHashOf(thumbnail: Buffer): Promise<string> {
	const { data, info } = await sharp(thumbnail)
		.resize(THUMBHASH_MAX_SIZE, THUMBHASH_MAX_SIZE, { fit: 'inside', withoutEnlargement: true })
		.ensureAlpha()
		.raw()
		.toBuffer({ resolveWithObject: true })
	return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64')
}

/**
 * Running out of memory or file handles is ours to retry; nothing else a
 * decode of the user's bytes can hit is.
 */
const RESOURCE_FAILURE = /out of memory|cannot allocate|ENOMEM|EMFILE|ENFILE/i

/**
 * Turns a failure to decode the user's bytes into a 422, whatever the decoder
 * said: libvips keeps its error text per thread, and under concurrent decodes
 * sharp can report a broken file as just "Unknown error". Only resource
 * exhaustion propagates (a 5xx, a job retried).
 */
async function decoding<T>(work: Promise<T>): Promise<T> {
	try {
		return await work
	} catch (error) {
		throw asDecodeError(error)
	}
}

function asDecodeError(error: unknown): unknown {
	if (!(error instanceof Error) || error instanceof UnprocessableImageError) return error
	if (RESOURCE_FAILURE.test(error.message)) return error
	if (/exceeds pixel limit/i.test(error.message)) {
		return new UnprocessableImageError('The image has more pixels than the limit allows.')
	}
	return new UnprocessableImageError(CORRUPT_IMAGE_MESSAGE, { cause: error })
}

// --- HEIC: sharp's prebuilt libvips has no HEVC decoder, heic-decode (libheif
// compiled to WebAssembly) does, in a worker thread (heic.server.ts).

/**
 * sharp's libheif reads a HEIC's container (not its HEVC pixels): which image
 * is primary, and the EXIF block. exifr cannot be used on the file itself: it
 * ignores iloc base offsets, which libheif-written files use.
 */
async function readHeicHeader(input: Buffer) {
	try {
		return await sharp(input, { limitInputPixels: false }).metadata()
	} catch {
		// heic-decode below is the judge of whether the file is usable.
		return null
	}
}

/** The primary image's size (checked against the limit first) and its RGBA pixels. */
async function readPrimaryHeic(input: Buffer, primaryIndex: number, maxInputPixels: number) {
	const reading = await readHeic(input, { primaryIndex, maxInputPixels })
	if (reading.kind === 'too-large')
		assertWithinPixelLimit(reading.width, reading.height, maxInputPixels)
	if (reading.kind !== 'image') throw new UnprocessableImageError(CORRUPT_IMAGE_MESSAGE)
	return reading
}

async function openHeic(input: Buffer, maxInputPixels: number): Promise<Source> {
	const header = await readHeicHeader(input)
	const primary = await readPrimaryHeic(input, header?.pagePrimary ?? 0, maxInputPixels)
	const { width, height, pixels: rgba } = primary
	const pixels = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength)
	// libheif always hands back RGBA; an opaque photo should not carry alpha.
	const hasAlpha = !primary.opaque
	return {
		metadata: {
			format: 'heic',
			// libheif has already applied the container's rotation and mirroring.
			width,
			height,
			space: 'srgb',
			hasAlpha,
			// EXIF orientation is informative only in HEIF (irot/imir rule), so
			// reporting it would invite a second rotation.
			orientation: null,
			density: header?.density ?? null,
			pages: primary.count,
		},
		exifInput: header?.exif ? tiffFromExifBlock(header.exif) : null,
		animated: false,
		load: () => {
			const image = sharp(pixels, {
				raw: { width, height, channels: 4 },
				limitInputPixels: maxInputPixels,
			})
			return hasAlpha ? image : image.removeAlpha()
		},
	}
}

// --- EXIF

/** sharp returns JPEG and WebP EXIF with an "Exif\0\0" prefix; exifr wants the TIFF structure. */
function tiffFromExifBlock(block: Buffer): Buffer {
	return block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block
}

type ExifTags = Record<string, unknown>

async function readExif(source: Buffer | null): Promise<Pick<ImageMetadata, 'exif' | 'gps'>> {
	const tags = source ? await parseExif(source) : null
	if (!tags) return { exif: null, gps: null }
	const exif = {
		make: text(tags.Make),
		model: text(tags.Model),
		lens: text(tags.LensModel),
		takenAt:
			exifDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal ?? tags.OffsetTime) ??
			exifDate(tags.CreateDate, tags.OffsetTimeDigitized ?? tags.OffsetTime),
		exposureTime: positiveNumber(tags.ExposureTime),
		fNumber: positiveNumber(tags.FNumber),
		iso: positiveNumber(Array.isArray(tags.ISO) ? tags.ISO[0] : tags.ISO),
		focalLength: positiveNumber(tags.FocalLength),
	}
	const hasCameraDetails = Object.values(exif).some((value) => value !== null)
	return { exif: hasCameraDetails ? exif : null, gps: gpsPosition(tags) }
}

async function parseExif(source: Buffer): Promise<ExifTags | null> {
	try {
		const tags: unknown = await exifr.parse(source, {
			tiff: true,
			exif: true,
			gps: true,
			ifd1: false,
			interop: false,
			xmp: false,
			icc: false,
			iptc: false,
			jfif: false,
			ihdr: false,
			makerNote: false,
			userComment: false,
			// Raw values: dates stay strings so no server time zone sneaks in.
			reviveValues: false,
			translateValues: false,
		})
		return tags && typeof tags === 'object' ? (tags as ExifTags) : null
	} catch {
		// Broken EXIF does not make the picture unusable; it only loses its details.
		return null
	}
}

function text(value: unknown): string | null {
	if (typeof value !== 'string') return null
	const cleaned = value.replace(/\0+$/, '').trim()
	return cleaned === '' ? null : cleaned
}

function positiveNumber(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null
}

/**
 * EXIF dates are local wall-clock time ("2024:05:18 14:03:27"). With an
 * OffsetTime tag they become exact; without one they are read as UTC, which
 * keeps the shown time equal to what the camera recorded.
 */
function exifDate(value: unknown, offset: unknown): string | null {
	const pattern = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/
	const match = typeof value === 'string' ? pattern.exec(value.trim()) : null
	if (!match) return null
	const [, year, month, day, hour, minute, second] = match
	const wallClock = `${year}-${month}-${day}T${hour}:${minute}:${second}.000Z`
	const time = Date.parse(wallClock)
	// "0000:00:00 00:00:00" (unset) and impossible dates such as 30 February are no date.
	if (Number.isNaN(time) || new Date(time).toISOString() !== wallClock) return null
	return new Date(time - offsetMinutes(offset) * 60_000).toISOString()
}

function offsetMinutes(offset: unknown): number {
	const match = typeof offset === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(offset.trim()) : null
	if (!match) return 0
	const minutes = Number(match[2]) * 60 + Number(match[3])
	return match[1] === '-' ? -minutes : minutes
}

function gpsPosition(tags: ExifTags): ImageMetadata['gps'] {
	const { latitude, longitude } = tags
	if (typeof latitude !== 'number' || typeof longitude !== 'number') return null
	if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null
	if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null
	return { latitude, longitude }
}
