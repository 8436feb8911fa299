import { afterAll, beforeAll, expect, test } from 'vitest'
import { register, startWeb, uploadFile, type WebProcess } from '#tests/support/app'
import { largeJpeg } from '#tests/support/images'

// Issue 15, broken 1: corrupt files uploaded in a burst beside good ones.
// Under concurrent decodes sharp could lose the decoder's message ("Unknown
// error"), and a broken file got 500 instead of 422. Every answer must be the
// file's own: 202 for a good photo, 422 for a truncated one, never a 5xx.

let web: WebProcess

beforeAll(async () => {
	web = await startWeb({ MAX_CONCURRENT_UPLOADS_PER_USER: '8', RATE_LIMIT_UPLOAD: '1000/60s' })
})

afterAll(async () => {
	await web?.stop()
})

test('a burst of 8 parallel uploads, good photos among truncated ones, gets 202 and 422 only', async () => {
	const { token } = await register(web.baseUrl)
	const photo = await largeJpeg()
	// Cut at different points, so each decoder fails at its own place.
	const truncated = (i: number) => photo.subarray(0, Math.floor(photo.length * (0.3 + 0.08 * i)))
	const answers: Record<string, number> = {}
	for (let round = 0; round < 8; round++) {
		const burst = Array.from({ length: 8 }, (_, i) =>
			i % 4 === 0
				? uploadFile(web.baseUrl, token, photo, `good-${round}-${i}.jpg`).then((r) => ({
						kind: 'good',
						response: r,
					}))
				: uploadFile(web.baseUrl, token, truncated(i), `cut-${round}-${i}.jpg`).then((r) => ({
						kind: 'truncated',
						response: r,
					})),
		)
		for (const { kind, response } of await Promise.all(burst)) {
			const key = `${kind} ${response.status}`
			answers[key] = (answers[key] ?? 0) + 1
			if (response.status === 422) {
				expect(await response.json()).toMatchObject({ detail: expect.stringMatching(/corrupt/) })
			} else await response.body?.cancel()
		}
	}
	expect(answers).toEqual({ 'good 202': 16, 'truncated 422': 48 })
})
