import fs from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'

// Real images for tests, generated in memory with sharp (plus a hand-built PNG
// header and the committed HEIC fixture). Each one stays small and fast to
// make; only the 12-megapixel JPEG is big, on purpose.

type Rgb = readonly [number, number, number]

/** Cheap deterministic pseudo-random bytes, so photos are not trivially compressible. */
function noise(seed: number) {
	let state = seed >>> 0 || 1
	return () => {
		state = (Math.imul(state, 1103515245) + 12345) >>> 0
		return state >>> 24
	}
}

/** A raw RGB gradient with grain: close enough to a photo for JPEG and WebP. */
function photoPixels(width: number, height: number, seed = 1): Buffer {
	const pixels = Buffer.allocUnsafe(width * height * 3)
	const grain = noise(seed)
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const i = (y * width + x) * 3
			const n = grain() >> 3
			pixels[i] = ((x * 255) / width + n) & 255
			pixels[i + 1] = ((y * 255) / height + n) & 255
			pixels[i + 2] = (((x + y) >> 2) & 255) ^ n
		}
	}
	return pixels
}

function photo(width: number, height: number, seed?: number) {
	return sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
}

function solid(width: number, height: number, [r, g, b]: Rgb, alpha?: number) {
	return sharp({
		create: {
			width,
			height,
			channels: alpha === undefined ? 3 : 4,
			background: { r, g, b, alpha: alpha ?? 1 },
		},
	})
}

/** 4000×3000 (12 MP) camera-sized JPEG, about 4 MB. */
export function largeJpeg(): Promise<Buffer> {
	return photo(4000, 3000).jpeg({ quality: 85 }).toBuffer()
}

/** A small ordinary JPEG (smaller than every derivative size). */
export function smallJpeg(width = 120, height = 90): Promise<Buffer> {
	return photo(width, height).jpeg().toBuffer()
}

export const cameraExif = {
	make: 'Canon',
	model: 'Canon EOS R5',
	lens: 'RF24-70mm F2.8 L IS USM',
	// Local time 14:03:27 at +02:00.
	takenAt: '2024-05-18T12:03:27.000Z',
	exposureTime: 1 / 250,
	fNumber: 4,
	iso: 200,
	focalLength: 50,
	latitude: 48 + 51 / 60 + 29.4 / 3600,
	longitude: -(2 + 17 / 60 + 40 / 3600),
} as const

export const ORIENTED_COLOURS = { left: [220, 30, 30], right: [30, 30, 220] } as const

/**
 * 400×300 stored pixels with EXIF orientation 6 (display rotated 90° clockwise,
 * so people see 300×400), camera EXIF and GPS. The stored left half is red and
 * the right half blue: displayed correctly, red is on top and blue at the bottom.
 */
export async function orientedJpeg(): Promise<Buffer> {
	const [width, height] = [400, 300]
	const half = await solid(width / 2, height, ORIENTED_COLOURS.right)
		.png()
		.toBuffer()
	return (
		solid(width, height, ORIENTED_COLOURS.left)
			.composite([{ input: half, left: width / 2, top: 0 }])
			.jpeg({ quality: 90 })
			.withExif({
				IFD0: { Make: cameraExif.make, Model: cameraExif.model },
				IFD2: {
					LensModel: cameraExif.lens,
					DateTimeOriginal: '2024:05:18 14:03:27',
					OffsetTimeOriginal: '+02:00',
					ExposureTime: '1/250',
					FNumber: '4/1',
					ISOSpeedRatings: '200',
					FocalLength: '50/1',
				},
				IFD3: {
					GPSLatitudeRef: 'N',
					GPSLatitude: '48/1 51/1 294/10',
					GPSLongitudeRef: 'W',
					GPSLongitude: '2/1 17/1 40/1',
				},
			})
			// withExif's IFD0 cannot set the orientation: sharp writes its own.
			.withMetadata({ orientation: 6 })
			.toBuffer()
	)
}

export const SIXTEEN_BIT_COLOUR: Rgb = [48, 128, 192]

/** 64×48 PNG with 16 bits per sample. */
export function sixteenBitPng(): Promise<Buffer> {
	return solid(64, 48, SIXTEEN_BIT_COLOUR).toColourspace('rgb16').png().toBuffer()
}

export const CMYK_SOURCE_COLOUR: Rgb = [208, 32, 32]

/** 64×48 CMYK JPEG (as print workflows produce), no embedded profile. */
export function cmykJpeg(): Promise<Buffer> {
	return solid(64, 48, CMYK_SOURCE_COLOUR).toColourspace('cmyk').jpeg().toBuffer()
}

/** 64×64 RGBA PNG, half transparent. */
export function alphaPng(): Promise<Buffer> {
	return solid(64, 64, [0, 160, 80], 0.5).png().toBuffer()
}

/** 120×80 GIF with three differently coloured frames. */
export async function animatedGif(): Promise<Buffer> {
	const colours: Rgb[] = [
		[255, 0, 0],
		[0, 255, 0],
		[0, 0, 255],
	]
	const frames = await Promise.all(colours.map((c) => solid(120, 80, c).png().toBuffer()))
	return sharp(frames, { join: { animated: true } })
		.gif({ delay: [100, 100, 100], loop: 0 })
		.toBuffer()
}

export function tiffImage(): Promise<Buffer> {
	return photo(300, 200).tiff({ compression: 'lzw' }).toBuffer()
}

export function webpImage(): Promise<Buffer> {
	return photo(300, 200).webp().toBuffer()
}

export function avifImage(): Promise<Buffer> {
	return photo(64, 48).avif({ effort: 0 }).toBuffer()
}

export function pngImage(): Promise<Buffer> {
	return photo(300, 200).png().toBuffer()
}

/** Re-encodes an image with an EXIF block naming the camera maker "PixelCam". */
export async function withCameraMake(image: Promise<Buffer>, format: 'png' | 'webp') {
	return sharp(await image)
		.toFormat(format)
		.withExif({ IFD0: { Make: 'PixelCam' } })
		.toBuffer()
}

/** A real 800×600 JPEG cut off halfway, as an interrupted upload leaves it. */
export async function truncatedJpeg(): Promise<Buffer> {
	const whole = await photo(800, 600).jpeg().toBuffer()
	return whole.subarray(0, Math.floor(whole.length / 2))
}

export function tinyPng(): Promise<Buffer> {
	return solid(1, 1, [10, 20, 30]).png().toBuffer()
}

/** 12000×300: extreme aspect ratio. */
export function panoramaJpeg(): Promise<Buffer> {
	return photo(12000, 300).jpeg().toBuffer()
}

/**
 * A PNG that claims width×height pixels (40000×40000 = 1600 MP by default)
 * but holds no pixel data: a decompression bomb's header. Chunk CRCs are valid
 * so decoders believe it.
 */
export function pixelBombPng(width = 40_000, height = 40_000): Buffer {
	const ihdr = Buffer.alloc(13)
	ihdr.writeUInt32BE(width, 0)
	ihdr.writeUInt32BE(height, 4)
	ihdr[8] = 8 // bit depth
	ihdr[9] = 2 // colour type: RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		// A valid zlib stream holding nothing: the pixels are simply missing.
		pngChunk('IDAT', deflateSync(Buffer.alloc(0))),
		pngChunk('IEND', Buffer.alloc(0)),
	])
}

/**
 * A 64×64 PNG whose chunks are all whole, with correct CRCs, but whose IDAT is
 * not a zlib stream: it passes every structural check and fails to decode.
 */
export function undecodablePng(): Buffer {
	const ihdr = Buffer.alloc(13)
	ihdr.writeUInt32BE(64, 0)
	ihdr.writeUInt32BE(64, 4)
	ihdr[8] = 8 // bit depth
	ihdr[9] = 2 // colour type: RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		// 0xa5: compression method 5, which zlib refuses at the first byte.
		pngChunk('IDAT', Buffer.alloc(4096, 0xa5)),
		pngChunk('IEND', Buffer.alloc(0)),
	])
}

function pngChunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4)
	length.writeUInt32BE(data.length)
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
	const crc = Buffer.alloc(4)
	crc.writeUInt32BE(crc32(body))
	return Buffer.concat([length, body, crc])
}

export function textBytes(): Buffer {
	return Buffer.from('Just some notes, definitely not an image.\n'.repeat(20))
}

export function pdfBytes(): Buffer {
	return Buffer.from(
		'%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
	)
}

export function svgBytes(): Buffer {
	return Buffer.from(
		'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>\n',
	)
}

export function htmlBytes(): Buffer {
	return Buffer.from('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>\n')
}

export const HEIC_FIXTURE = {
	width: 320,
	height: 240,
	make: 'Apple',
	model: 'iPhone 15 Pro',
	takenAt: '2024-05-18T12:03:27.000Z',
} as const

/** A real HEVC-coded HEIC, iPhone-style EXIF; see tests/fixtures/README.md. */
export function heicPhoto(): Promise<Buffer> {
	return fs.readFile(new URL('../fixtures/photo.heic', import.meta.url))
}

const PAGE_LINES = [
	'Darkroom Supplies Ltd, 14 Harbour Road, Leith',
	'Date: 3 March 2025',
	'Bill to: Northern Lights Photography',
	'Customer number: 20931',
	'',
	'Fixer, 5 litres                      2 x 18.50',
	'Developer concentrate              1 x 24.00',
	'Archival sleeves, pack of 100      3 x 9.90',
	'',
	'Subtotal: 90.70',
	'VAT 20%: 18.14',
	'Total due: 108.84 GBP',
	'Payment within 30 days of the invoice date.',
]

/** A white A4 page at 150 dpi with a heading and a dozen lines of black text, like a scan. */
export async function scannedPage(): Promise<Buffer> {
	const text = PAGE_LINES.map(
		(line, i) =>
			`<text x="110" y="${330 + i * 52}" font-size="30" xml:space="preserve">${line}</text>`,
	)
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="1754">
		<rect width="100%" height="100%" fill="#fbfbf8"/>
		<g font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" fill="#111">
			<text x="110" y="220" font-size="64" font-weight="bold">INVOICE 4471</text>
			${text.join('\n')}
		</g>
	</svg>`
	const page = await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer()
	// Without fonts librsvg draws no glyphs at all: a blank page, not a test of OCR.
	const { channels } = await sharp(page).greyscale().stats()
	if (channels[0]!.min > 128) {
		throw new Error(
			'SVG text rendered no glyphs: no fonts are installed. Install one, e.g. `apt-get install -y fonts-dejavu-core`.',
		)
	}
	return page
}

/** Writes bytes to a new file in DATA_DIR/tmp, where uploads are spooled, and returns its path. */
export async function spooledFile(bytes: Buffer): Promise<string> {
	const dir = path.join(process.env.DATA_DIR!, 'tmp')
	await fs.mkdir(dir, { recursive: true })
	const file = path.join(dir, `spooled-${randomUUID()}`)
	await fs.writeFile(file, bytes)
	return file
}
