import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { UnprocessableImageError } from '#app/errors'
import { inspectImage, processImage } from '#app/images/pipeline.server'
import { expectProblem, register, startWeb, uploadFile, type WebProcess } from '#tests/support/app'
import { spooledFile } from '#tests/support/images'

// HEIC is decoded by libheif in WebAssembly, synchronous CPU work: it runs in
// a worker thread, so the event loop (the worker's heartbeats and job lock
// renewals, the web's requests) keeps turning while a large photo decodes.
// tests/fixtures/large.heic is a 4000×3000 HEIC (see tests/fixtures/README.md).

const largeHeic = () => fs.readFile(new URL('../fixtures/large.heic', import.meta.url))
const smallHeic = () => fs.readFile(new URL('../fixtures/photo.heic', import.meta.url))
const heic = { contentType: 'image/heic', format: 'heic' as const }
const options = { thumbnailMaxSize: 256, optimizedMaxSize: 2048, maxInputPixels: 100_000_000 }

/** Runs `work` while a 5 ms timer ticks; the longest time between two ticks, and the whole time. */
async function longestStallDuring<T>(work: () => Promise<T>) {
	let last = performance.now()
	let longest = 0
	const timer = setInterval(() => {
		const now = performance.now()
		longest = Math.max(longest, now - last)
		last = now
	}, 5)
	const started = performance.now()
	try {
		const result = await work()
		return { result, longest, total: performance.now() - started }
	} finally {
		clearInterval(timer)
	}
}

test('the event loop keeps turning while a 12-megapixel HEIC is decoded', async () => {
	const bytes = await largeHeic()
	const { result, longest, total } = await longestStallDuring(() =>
		processImage(bytes, heic, options),
	)
	expect(result.metadata).toMatchObject({ format: 'heic', width: 4000, height: 3000 })
	expect([result.optimized.width, result.optimized.height]).toEqual([2048, 1536])
	// Decoding alone takes most of `total`; on the event loop the timer would
	// have waited that long. Off it, no wait comes near.
	expect(
		longest,
		`longest stall ${Math.round(longest)} ms of ${Math.round(total)} ms`,
	).toBeLessThan(total / 4)
})

describe('the HEIC pixel limit', () => {
	const limits = { maxInputPixels: 10_000_000 }
	const message = 'The image is 4000×3000 pixels (12 megapixels); the limit is 10 megapixels.'

	test('refuses an over-limit HEIC as bad input, by its container, at inspection and in the pipeline', async () => {
		const bytes = await largeHeic()
		// One at a time: a second reading started early would reject unobserved.
		for (const read of [
			async () => inspectImage(await spooledFile(bytes), heic, limits),
			() => processImage(bytes, heic, { ...options, ...limits }),
		]) {
			const reading = read()
			await expect(reading).rejects.toBeInstanceOf(UnprocessableImageError)
			await expect(reading).rejects.toThrow(message)
		}
	})

	describe('uploads (the web, from its server bundle)', () => {
		let web: WebProcess
		beforeAll(async () => {
			web = await startWeb({ MAX_INPUT_PIXELS: String(limits.maxInputPixels) })
		})
		afterAll(async () => {
			await web?.stop()
		})

		test('answers 422 for an over-limit HEIC and 202 for one within it', async () => {
			const { token } = await register(web.baseUrl)
			const refused = await uploadFile(web.baseUrl, token, await largeHeic(), 'large.heic')
			expect((await expectProblem(refused, 422)).detail).toContain(message)
			const accepted = await uploadFile(web.baseUrl, token, await smallHeic(), 'photo.heic')
			expect(accepted.status).toBe(202)
			expect(await accepted.json()).toMatchObject({ format: 'heic', width: 320, height: 240 })
		})
	})
})
