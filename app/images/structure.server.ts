import { UnprocessableImageError } from '#app/errors'
import type { AcceptedFormat } from './sniff.server'
import { checkGif } from './structure/gif.server'
import { checkIsobmff } from './structure/isobmff.server'
import { checkJpeg } from './structure/jpeg.server'
import { checkPng } from './structure/png.server'
import { BrokenStructure, type Reader, withReader } from './structure/reader.server'
import { checkTiff } from './structure/tiff.server'
import { checkWebp } from './structure/webp.server'

// Proves an upload is whole without decoding it: walks the container's
// structure (markers, chunks, boxes, IFDs) in the spooled file and checks that
// everything it points at is there. Far cheaper than a decode; it catches
// truncation and broken framing, not corrupt pixels inside intact framing.

export const CORRUPT_IMAGE_MESSAGE = 'The image is truncated or corrupt and cannot be decoded.'

const checks: Record<AcceptedFormat, (reader: Reader) => Promise<void>> = {
	jpeg: checkJpeg,
	png: checkPng,
	webp: checkWebp,
	gif: checkGif,
	tiff: checkTiff,
	avif: checkIsobmff,
	heic: checkIsobmff,
}

export async function checkStructure(filePath: string, format: AcceptedFormat): Promise<void> {
	try {
		await withReader(filePath, checks[format])
	} catch (error) {
		if (error instanceof BrokenStructure) throw new UnprocessableImageError(CORRUPT_IMAGE_MESSAGE)
		throw error
	}
}
