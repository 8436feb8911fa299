import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp, { type SharpOptions } from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UnprocessableImageError } from '#app/errors'
import type { AcceptedFormat } from './sniff.server'
import { CORRUPT_IMAGE_MESSAGE, checkStructure } from './structure.server'

// Real images from sharp (and the committed HEIC fixtures), checked whole, then
// broken in the ways uploads break: cut short, or with framing that no longer adds up.

type Sample = { name: string; format: AcceptedFormat; bytes: Buffer; decodable: boolean }

let dir: string
let counter = 0
const samples: Sample[] = []

/** Gradient plus noise: real-ish content that does not compress to nothing. */
function pixels(width: number, height: number, channels: 3 | 4, frames = 1) {
	const data = Buffer.alloc(width * height * frames * channels)
	let seed = 12345
	for (let i = 0; i < data.length; i++) {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff
		const pixel = Math.floor(i / channels)
		data[i] = ((pixel % width) * 2 + (seed >> 24)) & 0xff
	}
	return sharp(data, { raw: { width, height: height * frames, channels, pageHeight: height } })
}

async function fileOf(bytes: Buffer) {
	const file = path.join(dir, `image-${counter++}`)
	await fs.writeFile(file, bytes)
	return file
}

async function verdict(bytes: Buffer, format: AcceptedFormat): Promise<'ok' | 'refused'> {
	try {
		await checkStructure(await fileOf(bytes), format)
		return 'ok'
	} catch (error) {
		expect(error).toBeInstanceOf(UnprocessableImageError)
		expect((error as Error).message).toBe(CORRUPT_IMAGE_MESSAGE)
		return 'refused'
	}
}

/** The options app/images/pipeline.server.ts decodes uploads with. */
const decodeOptions: SharpOptions = {
	failOn: 'truncated',
	limitInputPixels: 100_000_000,
	autoOrient: true,
}

/** Decodes as the pipeline does: the first frame, and every frame of a GIF or WebP animation. */
async function sharpDecodes(bytes: Buffer, format: AcceptedFormat) {
	try {
		await sharp(bytes, decodeOptions).raw().toBuffer()
		if (format === 'gif' || format === 'webp') {
			await sharp(bytes, { ...decodeOptions, animated: true })
				.raw()
				.toBuffer()
		}
		return true
	} catch {
		return false
	}
}

function sample(name: string): Sample {
	const found = samples.find((candidate) => candidate.name === name)
	if (!found) throw new Error(`no sample ${name}`)
	return found
}

beforeAll(async () => {
	dir = await fs.mkdtemp(path.join(os.tmpdir(), 'darkroom-structure-'))
	const make = async (
		name: string,
		format: AcceptedFormat,
		bytes: Promise<Buffer>,
		decodable = true,
	) => {
		samples.push({ name, format, bytes: await bytes, decodable })
	}
	const rgb = () => pixels(320, 240, 3)
	await make('jpeg baseline', 'jpeg', rgb().jpeg({ quality: 85 }).toBuffer())
	await make('jpeg progressive', 'jpeg', rgb().jpeg({ progressive: true }).toBuffer())
	await make(
		'jpeg with EXIF',
		'jpeg',
		rgb()
			.jpeg()
			.withExif({ IFD0: { Make: 'Darkroom', Model: 'Test' } })
			.toBuffer(),
	)
	// Over 64 KiB, so scans cross read windows.
	await make('jpeg large', 'jpeg', pixels(1200, 900, 3).jpeg({ quality: 95 }).toBuffer())
	await make(
		'jpeg large progressive',
		'jpeg',
		pixels(1200, 900, 3).jpeg({ quality: 95, progressive: true }).toBuffer(),
	)
	await make('png', 'png', rgb().png().toBuffer())
	await make('png interlaced', 'png', rgb().png({ progressive: true }).toBuffer())
	await make('png palette', 'png', rgb().png({ palette: true }).toBuffer())
	await make('png alpha', 'png', pixels(320, 240, 4).png().toBuffer())
	await make('png large', 'png', pixels(800, 600, 3).png({ compressionLevel: 1 }).toBuffer())
	await make('webp lossy', 'webp', rgb().webp({ quality: 80 }).toBuffer())
	await make('webp lossless', 'webp', rgb().webp({ lossless: true }).toBuffer())
	await make('webp alpha', 'webp', pixels(320, 240, 4).webp().toBuffer())
	await make(
		'webp animated',
		'webp',
		pixels(160, 120, 3, 3)
			.webp({ delay: [100, 100, 100] })
			.toBuffer(),
	)
	await make('gif', 'gif', rgb().gif().toBuffer())
	await make(
		'gif animated',
		'gif',
		pixels(160, 120, 3, 3)
			.gif({ delay: [100, 100, 100] })
			.toBuffer(),
	)
	// Taller than libvips' 256 rows per strip, so these have several strips.
	await make('tiff', 'tiff', pixels(300, 700, 3).tiff({ compression: 'none' }).toBuffer())
	await make('tiff lzw', 'tiff', pixels(300, 700, 3).tiff({ compression: 'lzw' }).toBuffer())
	await make('tiff deflate', 'tiff', rgb().tiff({ compression: 'deflate' }).toBuffer())
	await make('tiff jpeg', 'tiff', rgb().tiff({ compression: 'jpeg' }).toBuffer())
	await make(
		'tiff tiled',
		'tiff',
		rgb().tiff({ compression: 'lzw', tile: true, tileWidth: 64, tileHeight: 64 }).toBuffer(),
	)
	await make(
		'tiff pyramid',
		'tiff',
		pixels(640, 480, 3)
			.tiff({ compression: 'deflate', tile: true, pyramid: true, tileWidth: 128, tileHeight: 128 })
			.toBuffer(),
	)
	await make(
		'tiff multi-page',
		'tiff',
		pixels(160, 120, 3, 3).tiff({ compression: 'lzw' }).toBuffer(),
	)
	await make('tiff bigtiff', 'tiff', rgb().tiff({ compression: 'lzw', bigtiff: true }).toBuffer())
	await make('avif', 'avif', rgb().avif({ quality: 50 }).toBuffer())
	await make('avif alpha', 'avif', pixels(320, 240, 4).avif({ quality: 50 }).toBuffer())
	// sharp's prebuilt libvips cannot decode HEVC: these are checked, not decoded.
	await make('heic', 'heic', fs.readFile('tests/fixtures/photo.heic'), false)
	await make('heic large', 'heic', fs.readFile('tests/fixtures/large.heic'), false)
})

afterAll(async () => {
	await fs.rm(dir, { recursive: true, force: true })
})

describe('checkStructure on whole images', () => {
	it('accepts every valid image', async () => {
		expect(samples.length).toBeGreaterThan(25)
		for (const { name, format, bytes, decodable } of samples) {
			if (decodable) expect(await sharpDecodes(bytes, format), name).toBe(true)
			expect(await verdict(bytes, format), name).toBe('ok')
		}
	})

	it('makes multi-strip, tiled and multi-page TIFFs', async () => {
		expect(tiffEntry(sample('tiff').bytes, 0, STRIP_OFFSETS)!.count).toBe(3)
		expect(tiffEntry(sample('tiff lzw').bytes, 0, STRIP_OFFSETS)!.count).toBe(3)
		expect(tiffEntry(sample('tiff tiled').bytes, 0, TILE_OFFSETS)!.count).toBeGreaterThan(1)
		const multi = await sharp(sample('tiff multi-page').bytes).metadata()
		expect(multi.pages).toBe(3)
	})

	it('follows JPEG scan data across read windows wherever the 0xFF bytes fall', async () => {
		// A comment segment of 0–511 bytes after SOI shifts every 0xFF against the
		// window boundaries, so some land on a window's last byte. Bytes after EOI
		// make the check walk the scans rather than find EOI at the end.
		const trailer = Buffer.from('trailer')
		for (const name of ['jpeg large', 'jpeg large progressive']) {
			const jpeg = sample(name).bytes
			for (let size = 0; size < 512; size += 1) {
				const comment = Buffer.alloc(4 + size)
				comment.writeUInt16BE(0xfffe, 0)
				comment.writeUInt16BE(2 + size, 2)
				const shifted = Buffer.concat([jpeg.subarray(0, 2), comment, jpeg.subarray(2), trailer])
				expect(await verdict(shifted, 'jpeg'), `${name} + ${size}`).toBe('ok')
				if (size % 64 === 0) {
					const cut = shifted.subarray(0, -3 - trailer.length)
					expect(await verdict(cut, 'jpeg'), `${name} + ${size}`).toBe('refused')
				}
			}
		}
	})

	it('accepts trailing junk after the end of the image, as decoders do', async () => {
		const junk = Buffer.from('trailing junk after the image')
		for (const name of ['jpeg baseline', 'png', 'webp lossy', 'gif', 'tiff lzw', 'avif', 'heic']) {
			const { format, bytes } = sample(name)
			expect(await verdict(Buffer.concat([bytes, junk]), format), name).toBe('ok')
		}
	})
})

describe('checkStructure refuses truncated images', () => {
	it('at 10 %, 50 %, 90 % and without the last byte', async () => {
		for (const { name, format, bytes } of samples) {
			for (const fraction of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
				const cut = bytes.subarray(0, Math.floor(bytes.length * fraction))
				expect(await verdict(cut, format), `${name} at ${fraction}`).toBe('refused')
			}
			for (const missing of [1, 2, 3, 4, 8, 16]) {
				const cut = bytes.subarray(0, bytes.length - missing)
				expect(await verdict(cut, format), `${name} minus ${missing}`).toBe('refused')
			}
		}
	})

	it('whenever sharp refuses to decode the same truncated bytes', async () => {
		for (const { name, format, bytes, decodable } of samples) {
			if (!decodable) continue
			const points = new Set<number>()
			for (let i = 1; i < 40; i++) points.add(Math.floor((bytes.length * i) / 40))
			for (let i = 1; i <= 64; i *= 2) points.add(bytes.length - i)
			let sharpRefused = 0
			for (const length of points) {
				const cut = bytes.subarray(0, length)
				if (await sharpDecodes(cut, format)) continue
				sharpRefused++
				expect(await verdict(cut, format), `${name} cut to ${length} of ${bytes.length}`).toBe(
					'refused',
				)
			}
			// Not vacuous: sharp does refuse some of these cuts.
			expect(sharpRefused, name).toBeGreaterThan(0)
		}
	})
})

describe('checkStructure refuses broken framing', () => {
	it('JPEG without EOI or without SOS', async () => {
		const jpeg = sample('jpeg baseline').bytes
		expect(await verdict(jpeg.subarray(0, -2), 'jpeg')).toBe('refused')
		// EOI replaced by zeros.
		expect(await verdict(Buffer.concat([jpeg.subarray(0, -2), Buffer.alloc(2)]), 'jpeg')).toBe(
			'refused',
		)
		const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]))
		const noScan = Buffer.concat([jpeg.subarray(0, sos), Buffer.from([0xff, 0xd9])])
		expect(await verdict(noScan, 'jpeg')).toBe('refused')
		expect(await verdict(jpeg.subarray(2), 'jpeg')).toBe('refused')
		// A segment length running past the end of the file.
		const longSegment = Buffer.from(jpeg)
		longSegment.writeUInt16BE(0xfff0, 4)
		expect(await verdict(longSegment.subarray(0, 0x1000), 'jpeg')).toBe('refused')
	})

	it('PNG with a bad CRC, without IEND, or cut inside IDAT', async () => {
		const png = sample('png').bytes
		const idat = png.indexOf('IDAT') - 4
		const idatLength = png.readUInt32BE(idat)
		const flipped = Buffer.from(png)
		flipped[idat + 8 + Math.floor(idatLength / 2)]! ^= 0x01
		expect(await verdict(flipped, 'png')).toBe('refused')
		const badIhdrCrc = Buffer.from(png)
		badIhdrCrc[8 + 8 + 13]! ^= 0xff
		expect(await verdict(badIhdrCrc, 'png')).toBe('refused')
		expect(await verdict(png.subarray(0, -12), 'png')).toBe('refused')
		expect(await verdict(png.subarray(0, idat + 8 + Math.floor(idatLength / 2)), 'png')).toBe(
			'refused',
		)
	})

	it('WebP whose RIFF size is past the end of the file or inconsistent with its chunks', async () => {
		for (const name of ['webp lossy', 'webp lossless', 'webp animated']) {
			const webp = sample(name).bytes
			const tooLong = Buffer.from(webp)
			tooLong.writeUInt32LE(webp.length, 4)
			expect(await verdict(tooLong, 'webp'), name).toBe('refused')
			const tooShort = Buffer.from(webp)
			tooShort.writeUInt32LE(webp.length - 8 - 64, 4)
			expect(await verdict(tooShort, 'webp'), name).toBe('refused')
			const chunkTooLong = Buffer.from(webp)
			chunkTooLong.writeUInt32LE(chunkTooLong.readUInt32LE(16) + 2, 16)
			expect(await verdict(chunkTooLong, 'webp'), name).toBe('refused')
		}
	})

	it('GIF without its trailer', async () => {
		for (const name of ['gif', 'gif animated']) {
			const gif = sample(name).bytes
			expect(gif.at(-1)).toBe(0x3b)
			expect(await verdict(gif.subarray(0, -1), 'gif'), name).toBe('refused')
			const zeroed = Buffer.from(gif)
			zeroed[zeroed.length - 1] = 0
			expect(await verdict(zeroed, 'gif'), name).toBe('refused')
		}
	})

	it('TIFF whose strips, tiles or IFDs point past the end of the file', async () => {
		for (const [name, offsetsTag, countsTag] of [
			['tiff', STRIP_OFFSETS, STRIP_BYTE_COUNTS],
			['tiff lzw', STRIP_OFFSETS, STRIP_BYTE_COUNTS],
			['tiff tiled', TILE_OFFSETS, TILE_BYTE_COUNTS],
		] as const) {
			const tiff = sample(name).bytes
			const offsetPastEnd = Buffer.from(tiff)
			writeLastValue(offsetPastEnd, tiffEntry(tiff, 0, offsetsTag)!, tiff.length)
			expect(await verdict(offsetPastEnd, 'tiff'), `${name} offset`).toBe('refused')
			const countPastEnd = Buffer.from(tiff)
			writeLastValue(countPastEnd, tiffEntry(tiff, 0, countsTag)!, tiff.length)
			expect(await verdict(countPastEnd, 'tiff'), `${name} count`).toBe('refused')
			const ifdPastEnd = Buffer.from(tiff)
			ifdPastEnd.writeUInt32LE(tiff.length + 100, 4)
			expect(await verdict(ifdPastEnd, 'tiff'), `${name} IFD`).toBe('refused')
			const ifdInHeader = Buffer.from(tiff)
			ifdInHeader.writeUInt32LE(2, 4)
			expect(await verdict(ifdInHeader, 'tiff'), `${name} IFD in header`).toBe('refused')
			const nextIfdPastEnd = Buffer.from(tiff)
			nextIfdPastEnd.writeUInt32LE(tiff.length + 100, nextIfdPointer(tiff))
			expect(await verdict(nextIfdPastEnd, 'tiff'), `${name} next IFD`).toBe('refused')
			const loop = Buffer.from(tiff)
			loop.writeUInt32LE(tiff.readUInt32LE(4), nextIfdPointer(tiff))
			expect(await verdict(loop, 'tiff'), `${name} IFD loop`).toBe('refused')
		}
	})

	it('HEIF and AVIF with a box past the end, without mdat, or with items past the end', async () => {
		for (const name of ['avif', 'heic', 'heic large']) {
			const { format, bytes } = sample(name)
			const boxes = topLevelBoxes(bytes)
			expect(boxes.map((box) => box.type)).toEqual(expect.arrayContaining(['ftyp', 'meta', 'mdat']))
			const mdat = boxes.find((box) => box.type === 'mdat')!
			const mdatTooLong = Buffer.from(bytes)
			mdatTooLong.writeUInt32BE(mdat.size + 1, mdat.start)
			expect(await verdict(mdatTooLong, format), `${name} mdat size`).toBe('refused')
			const ftypTooLong = Buffer.from(bytes)
			ftypTooLong.writeUInt32BE(bytes.length + 8, 0)
			expect(await verdict(ftypTooLong, format), `${name} ftyp size`).toBe('refused')
			const noMdat = Buffer.from(bytes)
			noMdat.write('free', mdat.start + 4, 'latin1')
			expect(await verdict(noMdat, format), `${name} no mdat`).toBe('refused')
			const noMeta = Buffer.from(bytes)
			noMeta.write('free', boxes.find((box) => box.type === 'meta')!.start + 4, 'latin1')
			expect(await verdict(noMeta, format), `${name} no meta`).toBe('refused')
			const lengths = ilocExtentLengths(bytes)
			expect(lengths.length).toBeGreaterThan(0)
			for (const field of lengths) {
				const pastEnd = Buffer.from(bytes)
				pastEnd.writeUIntBE(Math.min(bytes.length, 2 ** (8 * field.size) - 1), field.at, field.size)
				expect(await verdict(pastEnd, format), `${name} extent at ${field.at}`).toBe('refused')
			}
		}
	})

	it('refuses a file of the wrong format or an empty file', async () => {
		const jpeg = sample('jpeg baseline').bytes
		for (const format of ['png', 'webp', 'gif', 'tiff', 'avif', 'heic'] as const) {
			expect(await verdict(jpeg, format), format).toBe('refused')
			expect(await verdict(Buffer.alloc(0), format), format).toBe('refused')
		}
	})
})

// Just enough TIFF (little-endian, as libvips writes it) and ISO-BMFF parsing to break files on purpose.

const STRIP_OFFSETS = 273
const STRIP_BYTE_COUNTS = 279
const TILE_OFFSETS = 324
const TILE_BYTE_COUNTS = 325

type TiffEntry = { type: number; count: number; valueAt: number }

function tiffEntry(tiff: Buffer, _ifd: 0, tag: number): TiffEntry | undefined {
	const ifd = tiff.readUInt32LE(4)
	const count = tiff.readUInt16LE(ifd)
	for (let i = 0; i < count; i++) {
		const at = ifd + 2 + i * 12
		if (tiff.readUInt16LE(at) !== tag) continue
		const type = tiff.readUInt16LE(at + 2)
		const values = tiff.readUInt32LE(at + 4)
		const size = type === 3 ? 2 : 4
		return { type, count: values, valueAt: values * size <= 4 ? at + 8 : tiff.readUInt32LE(at + 8) }
	}
	return undefined
}

function writeLastValue(tiff: Buffer, entry: TiffEntry, value: number) {
	const size = entry.type === 3 ? 2 : 4
	tiff.writeUIntLE(
		Math.min(value, 2 ** (8 * size) - 1),
		entry.valueAt + (entry.count - 1) * size,
		size,
	)
}

function nextIfdPointer(tiff: Buffer) {
	const ifd = tiff.readUInt32LE(4)
	return ifd + 2 + tiff.readUInt16LE(ifd) * 12
}

function topLevelBoxes(bytes: Buffer) {
	const boxes: { type: string; start: number; size: number }[] = []
	for (let pos = 0; pos < bytes.length;) {
		const size = bytes.readUInt32BE(pos) || bytes.length - pos
		boxes.push({ type: bytes.toString('latin1', pos + 4, pos + 8), start: pos, size })
		pos += size
	}
	return boxes
}

/** Where each iloc extent's length field is, and its size in bytes. */
function ilocExtentLengths(bytes: Buffer) {
	let at = bytes.indexOf('iloc') + 4
	const version = bytes[at]!
	at += 4
	const offsetSize = bytes[at]! >> 4
	const lengthSize = bytes[at]! & 15
	const baseOffsetSize = bytes[at + 1]! >> 4
	const indexSize = version > 0 ? bytes[at + 1]! & 15 : 0
	at += 2
	const itemCount = version < 2 ? bytes.readUInt16BE(at) : bytes.readUInt32BE(at)
	at += version < 2 ? 2 : 4
	const fields: { at: number; size: number }[] = []
	for (let item = 0; item < itemCount; item++) {
		at += (version < 2 ? 2 : 4) + (version > 0 ? 2 : 0) + 2 + baseOffsetSize
		const extents = bytes.readUInt16BE(at)
		at += 2
		for (let extent = 0; extent < extents; extent++) {
			at += indexSize + offsetSize
			if (lengthSize > 0) fields.push({ at, size: lengthSize })
			at += lengthSize
		}
	}
	return fields
}
