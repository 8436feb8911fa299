import { fileTypeFromBuffer } from 'file-type'

// The upload's type is decided by its leading bytes, never by its name or the
// declared Content-Type.

export type AcceptedFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | 'avif' | 'heic'

export type DetectedImageType = { contentType: string; format: AcceptedFormat; ext: string }

/** How many leading bytes detectImageType needs (file-type reads at most this many). */
export const SNIFF_BYTES = 4100

const formatsByMime: Record<string, AcceptedFormat> = {
	'image/jpeg': 'jpeg',
	'image/png': 'png',
	// An animated PNG is still a PNG; the first frame is what gets processed.
	'image/apng': 'png',
	'image/webp': 'webp',
	'image/tiff': 'tiff',
	'image/gif': 'gif',
	'image/avif': 'avif',
	'image/heic': 'heic',
	'image/heif': 'heic',
}

const TIFF: DetectedImageType = { contentType: 'image/tiff', format: 'tiff', ext: 'tif' }

/** The format behind a stored content type, for callers that kept only the type. */
export function formatForContentType(contentType: string): AcceptedFormat | null {
	return formatsByMime[contentType.split(';')[0]!.trim().toLowerCase()] ?? null
}

export async function detectImageType(head: Uint8Array): Promise<DetectedImageType | null> {
	const detected = await fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES))
	if (!detected) return isTiff(head) ? TIFF : null
	const format = formatsByMime[detected.mime]
	if (!format) return null
	// file-type calls every `mif1` file image/heif, but AVIF files may carry that
	// major brand too; they decode through sharp, not the HEVC decoder.
	if (detected.mime === 'image/heif' && ftypBrands(head).includes('avif')) {
		return { contentType: 'image/avif', format: 'avif', ext: 'avif' }
	}
	return { contentType: detected.mime, format, ext: detected.ext }
}

/** Compatible brands listed in an ISO-BMFF `ftyp` box (HEIF, AVIF). */
function ftypBrands(head: Uint8Array): string[] {
	if (head.byteLength < 16) return []
	const boxSize = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0)
	const size = Math.min(boxSize, head.byteLength)
	const brands: string[] = []
	for (let offset = 16; offset + 4 <= size; offset += 4) {
		brands.push(String.fromCharCode(...head.subarray(offset, offset + 4)))
	}
	return brands
}

/**
 * file-type follows a TIFF's first IFD offset and gives up when it points past
 * the bytes it was given, which is the norm: libtiff writes the IFD after the
 * pixel data. Camera raw files it does recognise (CR2, NEF, ARW, DNG) keep
 * their own type and are refused above.
 */
function isTiff(head: Uint8Array): boolean {
	const magic = Array.from(head.subarray(0, 4)).join(',')
	// Little- and big-endian TIFF, then BigTIFF.
	return ['73,73,42,0', '77,77,0,42', '73,73,43,0', '77,77,0,43'].includes(magic)
}
