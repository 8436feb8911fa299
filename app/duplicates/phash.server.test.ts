import fs from 'node:fs/promises'
import sharp from 'sharp'
import { beforeAll, describe, expect, test } from 'vitest'
import { processImage } from '#app/images/pipeline.server'
import { detectImageType } from '#app/images/sniff.server'
import { differenceHash, hammingDistance, hashHex } from './phash.server'
import { NEAR_DUPLICATE_THRESHOLD } from './schemas'

// Real photos (tests/fixtures/README.md), hashed the way images are stored:
// through the image stage, which hashes the thumbnail it made.

const options = { thumbnailMaxSize: 256, optimizedMaxSize: 2048, maxInputPixels: 100_000_000 }

async function storedHashOf(bytes: Buffer): Promise<bigint> {
	const type = await detectImageType(bytes)
	if (!type) throw new Error('not an image')
	return (await processImage(bytes, type, options)).phash
}

const fixture = (name: string) =>
	fs.readFile(new URL(`../../tests/fixtures/${name}`, import.meta.url))

let photo: Buffer
let photoHash: bigint
const distanceTo = async (copy: Buffer) => hammingDistance(photoHash, await storedHashOf(copy))

beforeAll(async () => {
	photo = await fixture('grace-hopper.jpg')
	photoHash = await storedHashOf(photo)
})

describe('near-duplicate copies of one photo are within the threshold', () => {
	test('re-encoded as JPEG at quality 60', async () => {
		const copy = await sharp(photo).jpeg({ quality: 60 }).toBuffer()
		expect(await distanceTo(copy)).toBeLessThanOrEqual(NEAR_DUPLICATE_THRESHOLD)
	})

	test('resized to 50 %', async () => {
		const { width } = await sharp(photo).metadata()
		const copy = await sharp(photo)
			.resize({ width: Math.round(width / 2) })
			.jpeg()
			.toBuffer()
		expect(await distanceTo(copy)).toBeLessThanOrEqual(NEAR_DUPLICATE_THRESHOLD)
	})

	test('with its EXIF stripped', async () => {
		// The fixture carries none, so give it camera EXIF first, then drop it again.
		const withExif = await sharp(photo)
			.withExif({ IFD0: { Make: 'Canon', Model: 'EOS R5' } })
			.jpeg({ quality: 90 })
			.toBuffer()
		const stripped = await sharp(withExif).jpeg({ quality: 90 }).toBuffer()
		expect((await sharp(withExif).metadata()).exif).toBeDefined()
		expect((await sharp(stripped).metadata()).exif).toBeUndefined()
		const [a, b] = await Promise.all([storedHashOf(withExif), storedHashOf(stripped)])
		expect(hammingDistance(a, b)).toBeLessThanOrEqual(NEAR_DUPLICATE_THRESHOLD)
		expect(hammingDistance(photoHash, b)).toBeLessThanOrEqual(NEAR_DUPLICATE_THRESHOLD)
	})

	test('stored rotated with an EXIF orientation that shows it upright', async () => {
		// Pixels turned 90° anticlockwise plus orientation 6 (rotate 90° clockwise to show).
		const rotatedPixels = await sharp(photo).rotate(270).jpeg({ quality: 90 }).toBuffer()
		const oriented = await sharp(rotatedPixels).withMetadata({ orientation: 6 }).toBuffer()
		expect((await sharp(oriented).metadata()).orientation).toBe(6)
		expect(await distanceTo(oriented)).toBeLessThanOrEqual(NEAR_DUPLICATE_THRESHOLD)
		// Without the tag the same pixels are another picture: auto-orient is what matches them.
		expect(await distanceTo(rotatedPixels)).toBeGreaterThan(NEAR_DUPLICATE_THRESHOLD)
	})
})

test('a different photo is beyond the threshold', async () => {
	const other = await fixture('board.jpg')
	expect(await distanceTo(other)).toBeGreaterThan(NEAR_DUPLICATE_THRESHOLD * 2)
})

test('the stage hashes its thumbnail: hashing the stored thumbnail again gives the same hash', async () => {
	const type = (await detectImageType(photo))!
	const { thumbnail, phash } = await processImage(photo, type, options)
	expect(await differenceHash(thumbnail.buffer)).toBe(phash)
})

test('hashes leave as 16 hex digits and fit a signed bigint', () => {
	expect(hashHex(-1n)).toBe('ffffffffffffffff')
	expect(hashHex(1n)).toBe('0000000000000001')
	expect(hammingDistance(-1n, 0n)).toBe(64)
	expect(hammingDistance(0b1011n, 0b0001n)).toBe(2)
})
