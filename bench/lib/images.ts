import sharp from 'sharp'

// Generated photos: a gradient with grain, so encoders work as hard as on a
// real photo and every seed gives different bytes (no cache can help).

export type Format = 'jpeg' | 'png' | 'webp' | 'tiff'

export type BenchImage = { name: string; format: Format; bytes: Buffer }

const EXTENSIONS: Record<Format, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif' }

/** Half JPEGs, the rest PNG, WebP and TIFF in turn. */
const MIX: Format[] = ['jpeg', 'png', 'jpeg', 'webp', 'jpeg', 'tiff']

function noise(seed: number) {
	let state = seed >>> 0 || 1
	return () => {
		state = (Math.imul(state, 1103515245) + 12345) >>> 0
		return state >>> 24
	}
}

function photoPixels(width: number, height: number, seed: number): Buffer {
	const pixels = Buffer.allocUnsafe(width * height * 3)
	const grain = noise(seed)
	const shift = seed % 256
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const i = (y * width + x) * 3
			const n = grain() >> 3
			pixels[i] = ((x * 255) / width + n + shift) & 255
			pixels[i + 1] = ((y * 255) / height + n) & 255
			pixels[i + 2] = (((x + y) >> 2) & 255) ^ n
		}
	}
	return pixels
}

export function encodePhoto(
	format: Format,
	width: number,
	height: number,
	seed: number,
	quality = 85,
): Promise<Buffer> {
	const image = sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
	if (format === 'jpeg') return image.jpeg({ quality }).toBuffer()
	if (format === 'png') return image.png().toBuffer()
	if (format === 'webp') return image.webp({ quality }).toBuffer()
	return image.tiff({ compression: 'lzw' }).toBuffer()
}

async function make(format: Format, width: number, height: number, seed: number) {
	const bytes = await encodePhoto(format, width, height, seed)
	return { name: `${format}-${width}x${height}-${seed}.${EXTENSIONS[format]}`, format, bytes }
}

/**
 * The pipeline set: 12 MP (4000×3000) camera JPEGs, and 2400×1600 PNG, WebP
 * and TIFF (screenshots, exports, scans), in the MIX proportions.
 */
export function photoSet(count: number, firstSeed = 1): Promise<BenchImage[]> {
	return sequential(count, (i) => {
		const format = MIX[i % MIX.length]!
		return format === 'jpeg'
			? make('jpeg', 4000, 3000, firstSeed + i)
			: make(format, 2400, 1600, firstSeed + i)
	})
}

/** Smaller images in the same mix, `width` wide at 4:3. */
export function smallSet(count: number, width: number, firstSeed = 1): Promise<BenchImage[]> {
	return sequential(count, (i) =>
		make(MIX[i % MIX.length]!, width, Math.round((width * 3) / 4), firstSeed + i),
	)
}

/** A JPEG of about 1 MB (2048×1536 at quality 85 with this grain). */
export function oneMegabyteJpeg(): Promise<BenchImage> {
	return make('jpeg', 2048, 1536, 7)
}

/** A 12 MP camera-sized JPEG (4000×3000, about 4 MB), as the pipeline's photos. */
export function twelveMegapixelJpeg(): Promise<BenchImage> {
	return make('jpeg', 4000, 3000, 11)
}

// One at a time: generating in parallel only competes with itself for the CPU.
async function sequential<T>(count: number, build: (i: number) => Promise<T>): Promise<T[]> {
	const out: T[] = []
	for (let i = 0; i < count; i++) out.push(await build(i))
	return out
}
