import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { api, register, startWeb, uploadFile, type WebProcess } from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// The request histogram is labelled by route pattern: however many different
// paths clients send, /metrics keeps a bounded number of series.

let web: WebProcess

beforeAll(async () => {
	web = await startWeb({ RATE_LIMIT_ENABLED: 'false' })
})

afterAll(async () => {
	await web?.stop()
})

it('labels requests by route pattern, with one label for every path no route matches', async () => {
	const { token } = await register(web.baseUrl)
	const uploaded = await uploadFile(web.baseUrl, token, await smallJpeg(), 'a.jpg')
	const { id } = (await uploaded.json()) as { id: string }
	expect((await api(web.baseUrl, `/api/images/${id}`, { token })).status).toBe(200)

	// 500 paths nobody has asked for before, as scanners send them: 404s, API
	// 404s, ids of no image, assets that do not exist.
	const paths = Array.from({ length: 500 }, (_, i) => {
		const word = randomBytes(6).toString('hex')
		return [
			`/${word}`,
			`/wp-admin/${word}/${i}.php`,
			`/api/${word}`,
			`/api/images/${randomUUID()}`,
			`/assets/${word}.js`,
		][i % 5]!
	})
	for (let i = 0; i < paths.length; i += 25) {
		await Promise.all(
			paths.slice(i, i + 25).map(async (pathname) => {
				// Read to the end: a response the client drops is never "finished", nor counted.
				await (await api(web.baseUrl, pathname, { token })).arrayBuffer()
			}),
		)
	}

	const metrics = await (await fetch(`${web.baseUrl}/metrics`)).text()
	const requests = [
		...metrics.matchAll(/^darkroom_http_request_duration_seconds_count\{[^}]*\} (\d+)$/gm),
	].reduce((sum, m) => sum + Number(m[1]), 0)
	expect(requests).toBeGreaterThanOrEqual(paths.length)
	const routes = new Set(
		[...metrics.matchAll(/^darkroom_http_request_duration_seconds_count\{route="([^"]*)"/gm)].map(
			(m) => m[1],
		),
	)
	expect(routes.size, [...routes].join('\n')).toBeLessThan(20)
	expect(routes).toContain('/api/images/:id')
	expect(routes).toContain('unmatched')
	expect(metrics).toMatch(
		/darkroom_http_request_duration_seconds_count\{route="\/api\/images\/:id",method="GET",status="200"\} 1\b/,
	)
	expect(metrics).not.toMatch(/route="[^"]*[0-9a-f]{12}/)
})
