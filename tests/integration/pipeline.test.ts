import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { UnprocessableImageError } from '#app/errors'
import { inspectImage, processImage, type EncodedVariant } from '#app/images/pipeline.server'
import { detectImageType, SNIFF_BYTES, type DetectedImageType } from '#app/images/sniff.server'
import * as images from '#tests/support/images'

const limits = { maxInputPixels: 100_000_000 }
const options = { thumbnailMaxSize: 256, optimizedMaxSize: 2048, ...limits }

async function typeOf(bytes: Buffer): Promise<DetectedImageType> {
	const type = await detectImageType(bytes)
	if (!type) throw new Error('test image was not detected as an image')
	return type
}

async function processBytes(bytes: Buffer) {
	return processImage(bytes, await typeOf(bytes), options)
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
	let made: Promise<T> | undefined
	return () => (made ??= make())
}

const largeJpeg = once(images.largeJpeg)
const orientedJpeg = once(images.orientedJpeg)

async function readBack(variant: EncodedVariant) {
	return sharp(variant.buffer, { animated: true }).metadata()
}

async function pixelAt(variant: EncodedVariant, x: number, y: number): Promise<number[]> {
	const pixel = await sharp(variant.buffer)
		.extract({ left: x, top: y, width: 1, height: 1 })
		.removeAlpha()
		.raw()
		.toBuffer()
	return [...pixel]
}

function expectColourNear(actual: number[], expected: readonly number[], tolerance = 12) {
	expected.forEach((value, channel) => {
		expect(Math.abs(actual[channel]! - value), `channel ${channel} of ${actual}`).toBeLessThan(
			tolerance,
		)
	})
}

async function expectStrippedWebp(variant: EncodedVariant) {
	expect(variant.contentType).toBe('image/webp')
	expect(variant.byteSize).toBe(variant.buffer.length)
	const meta = await readBack(variant)
	expect(meta.format).toBe('webp')
	expect(meta.exif).toBeUndefined()
	expect(meta.xmp).toBeUndefined()
	expect(meta.icc).toBeUndefined()
	expect(meta.orientation).toBeUndefined()
	// No EXIF chunk and nothing of the camera's text anywhere in the file.
	expect(variant.buffer.includes('EXIF')).toBe(false)
	expect(variant.buffer.includes('Exif')).toBe(false)
	return meta
}

describe('detectImageType', () => {
	test.each([
		['JPEG', images.smallJpeg, 'jpeg', 'image/jpeg'],
		['PNG', images.pngImage, 'png', 'image/png'],
		['WebP', images.webpImage, 'webp', 'image/webp'],
		['TIFF', images.tiffImage, 'tiff', 'image/tiff'],
		['GIF', images.animatedGif, 'gif', 'image/gif'],
		['AVIF', images.avifImage, 'avif', 'image/avif'],
		['HEIC', images.heicPhoto, 'heic', 'image/heic'],
	])('detects %s from its bytes', async (_name, make, format, contentType) => {
		const type = await detectImageType(await make())
		expect(type).toMatchObject({ format, contentType })
		expect(type?.ext).toMatch(/^[a-z]+$/)
	})

	test.each([
		['JPEG', largeJpeg, 'jpeg'],
		// libtiff writes the directory after the pixels, far beyond the head.
		['TIFF', images.tiffImage, 'tiff'],
	])('detects %s from its first 4100 bytes alone', async (_name, make, format) => {
		const bytes = await make()
		expect(bytes.length).toBeGreaterThan(SNIFF_BYTES * 10)
		expect(await detectImageType(bytes.subarray(0, SNIFF_BYTES))).toMatchObject({ format })
	})

	test.each([
		['plain text', images.textBytes],
		['a PDF', images.pdfBytes],
		['an SVG', images.svgBytes],
		['HTML', images.htmlBytes],
		['nothing', () => Buffer.alloc(0)],
	])('rejects %s', async (_name, make) => {
		expect(await detectImageType(make())).toBeNull()
	})
})

describe('inspectImage', () => {
	/** Inspects bytes as the upload path does: from the spooled file. */
	async function inspect(bytes: Buffer, limit = limits) {
		return inspectImage(await images.spooledFile(bytes), await typeOf(bytes), limit)
	}

	test('reads the size of a 12-megapixel JPEG', async () => {
		expect(await inspect(await largeJpeg())).toEqual({ format: 'jpeg', width: 4000, height: 3000 })
	})

	test('reports the size as displayed, after EXIF orientation', async () => {
		expect(await inspect(await orientedJpeg())).toMatchObject({ width: 300, height: 400 })
	})

	test('reads HEIC dimensions', async () => {
		expect(await inspect(await images.heicPhoto())).toEqual({
			format: 'heic',
			width: 320,
			height: 240,
		})
	})

	test('rejects a truncated JPEG as unprocessable', async () => {
		const inspecting = inspect(await images.truncatedJpeg())
		await expect(inspecting).rejects.toBeInstanceOf(UnprocessableImageError)
		await expect(inspecting).rejects.toThrow(/truncated or corrupt/)
	})

	test('rejects a truncated TIFF and a truncated HEIC', async () => {
		for (const whole of [await images.tiffImage(), await images.heicPhoto()]) {
			const type = await typeOf(whole)
			const cut = await images.spooledFile(whole.subarray(0, Math.floor(whole.length / 2)))
			await expect(inspectImage(cut, type, limits)).rejects.toBeInstanceOf(UnprocessableImageError)
		}
	})

	test('rejects a pixel bomb by its header, naming the limit in megapixels', async () => {
		const inspecting = inspect(images.pixelBombPng())
		await expect(inspecting).rejects.toBeInstanceOf(UnprocessableImageError)
		await expect(inspecting).rejects.toThrow(
			'The image is 40000×40000 pixels (1600 megapixels); the limit is 100 megapixels.',
		)
	})

	test('applies the pixel limit to HEIC too', async () => {
		await expect(inspect(await images.heicPhoto(), { maxInputPixels: 50_000 })).rejects.toThrow(
			/limit is 0\.05 megapixels/,
		)
	})
})

describe('processImage', () => {
	test('makes a 256 px thumbnail and a 2048 px optimized copy of a 12 MP JPEG', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await largeJpeg())
		expect(metadata).toMatchObject({
			format: 'jpeg',
			width: 4000,
			height: 3000,
			space: 'srgb',
			hasAlpha: false,
			pages: 1,
			exif: null,
			gps: null,
		})
		expect([thumbnail.width, thumbnail.height]).toEqual([256, 192])
		expect([optimized.width, optimized.height]).toEqual([2048, 1536])
		for (const variant of [thumbnail, optimized]) {
			const meta = await expectStrippedWebp(variant)
			expect([meta.width, meta.height]).toEqual([variant.width, variant.height])
			expect(meta.hasAlpha).toBe(false)
		}
	})

	test('turns an orientation-6 photo upright in metadata and both variants', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await orientedJpeg())
		expect(metadata).toMatchObject({ width: 300, height: 400, orientation: 6 })
		expect([thumbnail.width, thumbnail.height]).toEqual([192, 256])
		expect([optimized.width, optimized.height]).toEqual([300, 400])
		for (const variant of [thumbnail, optimized]) {
			// Stored left (red) must now be the top, stored right (blue) the bottom.
			expectColourNear(await pixelAt(variant, 5, 5), images.ORIENTED_COLOURS.left, 30)
			const bottom = await pixelAt(variant, 5, variant.height - 5)
			expectColourNear(bottom, images.ORIENTED_COLOURS.right, 30)
		}
	})

	test('reads camera EXIF and GPS into metadata but never into the derivatives', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await orientedJpeg())
		const expected = images.cameraExif
		expect(metadata.exif).toEqual({
			make: expected.make,
			model: expected.model,
			lens: expected.lens,
			takenAt: expected.takenAt,
			exposureTime: expected.exposureTime,
			fNumber: expected.fNumber,
			iso: expected.iso,
			focalLength: expected.focalLength,
		})
		expect(metadata.gps?.latitude).toBeCloseTo(expected.latitude, 5)
		expect(metadata.gps?.longitude).toBeCloseTo(expected.longitude, 5)
		for (const variant of [thumbnail, optimized]) {
			await expectStrippedWebp(variant)
			expect(variant.buffer.includes(expected.make)).toBe(false)
			expect(variant.buffer.includes(expected.lens)).toBe(false)
		}
	})

	test('never upscales a 1×1 PNG or a small JPEG', async () => {
		const tiny = await processBytes(await images.tinyPng())
		expect([tiny.thumbnail.width, tiny.thumbnail.height]).toEqual([1, 1])
		expect([tiny.optimized.width, tiny.optimized.height]).toEqual([1, 1])
		const small = await processBytes(await images.smallJpeg(120, 90))
		expect([small.thumbnail.width, small.thumbnail.height]).toEqual([120, 90])
		expect([small.optimized.width, small.optimized.height]).toEqual([120, 90])
	})

	test('converts a 16-bit PNG to 8-bit sRGB with the same colour', async () => {
		const { metadata, optimized } = await processBytes(await images.sixteenBitPng())
		expect(metadata.space).toBe('rgb16')
		const meta = await readBack(optimized)
		expect(meta).toMatchObject({ space: 'srgb', channels: 3, depth: 'uchar' })
		expectColourNear(await pixelAt(optimized, 10, 10), images.SIXTEEN_BIT_COLOUR)
	})

	test('converts a CMYK JPEG to 3-channel sRGB that still looks red', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await images.cmykJpeg())
		expect(metadata.space).toBe('cmyk')
		for (const variant of [thumbnail, optimized]) {
			expect(await readBack(variant)).toMatchObject({ space: 'srgb', channels: 3 })
			// Without conversion CMYK shows as a negative (cyan) or washed out.
			const [red, green, blue] = await pixelAt(variant, 10, 10)
			expect(red).toBeGreaterThan(180)
			expect(green).toBeLessThan(70)
			expect(blue).toBeLessThan(70)
		}
	})

	test('keeps transparency of a PNG with alpha', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await images.alphaPng())
		expect(metadata.hasAlpha).toBe(true)
		for (const variant of [thumbnail, optimized]) {
			expect(await readBack(variant)).toMatchObject({ hasAlpha: true, channels: 4 })
		}
	})

	test('keeps a GIF animated in the optimized copy; the thumbnail is a still', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await images.animatedGif())
		expect(metadata).toMatchObject({ format: 'gif', width: 120, height: 80, pages: 3 })
		const moving = await readBack(optimized)
		expect(moving.format).toBe('webp')
		expect(moving.pages).toBe(3)
		expect([optimized.width, optimized.height]).toEqual([120, 80])
		expect((await readBack(thumbnail)).pages ?? 1).toBe(1)
		expect([thumbnail.width, thumbnail.height]).toEqual([120, 80])
	})

	test.each([
		['TIFF', images.tiffImage, 'tiff'],
		['WebP', images.webpImage, 'webp'],
		['AVIF', images.avifImage, 'avif'],
	])('processes %s', async (_name, make, format) => {
		const bytes = await make()
		const source = await sharp(bytes).metadata()
		const { metadata, thumbnail, optimized } = await processBytes(bytes)
		expect(metadata).toMatchObject({ format, width: source.width, height: source.height })
		await expectStrippedWebp(thumbnail)
		await expectStrippedWebp(optimized)
		expect([optimized.width, optimized.height]).toEqual([source.width, source.height])
		const scale = Math.min(1, 256 / Math.max(source.width, source.height))
		expect(thumbnail.width).toBe(Math.round(source.width * scale))
		expect(Math.abs(thumbnail.height - source.height * scale)).toBeLessThanOrEqual(1)
	})

	test('decodes an iPhone-style HEIC and reads its EXIF', async () => {
		const bytes = await images.heicPhoto()
		const { metadata, thumbnail, optimized } = await processBytes(bytes)
		const fixture = images.HEIC_FIXTURE
		expect(metadata).toMatchObject({
			format: 'heic',
			width: fixture.width,
			height: fixture.height,
			hasAlpha: false,
		})
		expect(metadata.exif).toMatchObject({
			make: fixture.make,
			model: fixture.model,
			takenAt: fixture.takenAt,
			iso: 80,
		})
		expect(metadata.gps?.latitude).toBeCloseTo(52.37, 2)
		expect(metadata.gps?.longitude).toBeCloseTo(4.895, 2)
		expect([thumbnail.width, thumbnail.height]).toEqual([256, 192])
		expect([optimized.width, optimized.height]).toEqual([320, 240])
		await expectStrippedWebp(optimized)
		// Real pixels came out: the top-left corner of the fixture is dark blue.
		expectColourNear(await pixelAt(optimized, 2, 2), [0, 0, 60], 30)
		expect(optimized.buffer.includes('Apple')).toBe(false)
	})

	test('processes HEIC knowing only the stored content type', async () => {
		const bytes = await images.heicPhoto()
		const { metadata } = await processImage(bytes, { contentType: 'image/heic' }, options)
		expect(metadata).toMatchObject({ format: 'heic', width: 320, height: 240 })
	})

	test('gives a 12000×300 panorama a thumbnail that is wide but never 0 px high', async () => {
		const { metadata, thumbnail, optimized } = await processBytes(await images.panoramaJpeg())
		expect([metadata.width, metadata.height]).toEqual([12000, 300])
		expect(thumbnail.width).toBe(256)
		expect(thumbnail.height).toBeGreaterThanOrEqual(1)
		expect(thumbnail.height).toBeLessThanOrEqual(7)
		expect(optimized.width).toBe(2048)
		expect(optimized.height).toBeGreaterThanOrEqual(50)
		expect(optimized.height).toBeLessThanOrEqual(52)
	})

	test.each([
		['PNG', () => images.withCameraMake(images.pngImage(), 'png')],
		['WebP', () => images.withCameraMake(images.webpImage(), 'webp')],
	])('reads EXIF from a %s too', async (_name, make) => {
		const { metadata, optimized } = await processBytes(await make())
		expect(metadata.exif?.make).toBe('PixelCam')
		expect(optimized.buffer.includes('PixelCam')).toBe(false)
	})

	test('leaves exif and gps null for an image without EXIF', async () => {
		const { metadata } = await processBytes(await images.pngImage())
		expect(metadata).toMatchObject({ format: 'png', exif: null, gps: null, orientation: null })
	})

	test('rejects a truncated JPEG as unprocessable', async () => {
		const processing = processBytes(await images.truncatedJpeg())
		await expect(processing).rejects.toBeInstanceOf(UnprocessableImageError)
		await expect(processing).rejects.toThrow(/truncated or corrupt/)
	})

	test('rejects a pixel bomb without decoding it', async () => {
		await expect(processBytes(images.pixelBombPng())).rejects.toThrow(/1600 megapixels/)
	})
})
