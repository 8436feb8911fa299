import sharp from 'sharp'

// The perceptual hash of near-duplicate detection (docs/decisions/027-duplicates.md):
// a 64-bit difference hash (dHash). The picture, upright, in grey, squeezed
// to 9×8; each bit says whether a pixel is brighter than its right-hand
// neighbour. Re-encoding, resizing or stripping metadata barely moves the
// gradients, so copies land a few bits apart; a different picture lands
// about 32 apart. Pure: bytes in, a number out.

const WIDTH = 9
const HEIGHT = 8

/**
 * The dHash of an encoded image, as PostgreSQL's signed bigint holds it.
 * The image stage and hash-image both feed it the stored thumbnail (already
 * upright and small, so this costs about a millisecond); `.rotate()` makes
 * any other input upright first, as the thumbnail is.
 */
export async function differenceHash(input: Buffer): Promise<bigint> {
	const { data, info } = await sharp(input, { limitInputPixels: 100_000_000 })
		.rotate()
		.greyscale()
		.resize(WIDTH, HEIGHT, { fit: 'fill' })
		.raw()
		.toBuffer({ resolveWithObject: true })
	const channels = info.channels
	let hash = 0n
	for (let y = 0; y < HEIGHT; y++) {
		for (let x = 0; x < WIDTH - 1; x++) {
			const left = data[(y * WIDTH + x) * channels]!
			const right = data[(y * WIDTH + x + 1) * channels]!
			hash = (hash << 1n) | (left > right ? 1n : 0n)
		}
	}
	return BigInt.asIntN(64, hash)
}

/** Bits that differ between two hashes (what SQL computes with bit_count over the XOR). */
export function hammingDistance(a: bigint, b: bigint): number {
	let diff = BigInt.asUintN(64, a ^ b)
	let bits = 0
	while (diff) {
		bits += Number(diff & 1n)
		diff >>= 1n
	}
	return bits
}

/** 16 hex digits: how a hash leaves the server (a bigint cannot go through JSON). */
export const hashHex = (hash: bigint) => BigInt.asUintN(64, hash).toString(16).padStart(16, '0')
