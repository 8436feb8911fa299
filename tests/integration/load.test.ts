import { afterAll, beforeAll, expect, test } from 'vitest'
import {
	api,
	register,
	startWeb,
	startWorker,
	uploadFile,
	type AppProcess,
	type ImageList,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// 200 uploads from 20 concurrent clients against two worker processes: every
// acknowledged upload completes, each image is processed exactly once, no 5xx.

const CLIENTS = 20
const UPLOADS_PER_CLIENT = 10

let web: WebProcess
let workers: AppProcess[]

beforeAll(async () => {
	// Limits sized for one test IP doing the work of twenty users.
	const env = {
		RATE_LIMIT_IP: '100000/60s',
		RATE_LIMIT_UPLOAD: '1000/60s',
		RATE_LIMIT_READ: '100000/60s',
	}
	;[web, ...workers] = await Promise.all([startWeb(env), startWorker(env), startWorker(env)])
})

afterAll(async () => {
	await Promise.all([web?.stop(), ...(workers ?? []).map((w) => w.stop())])
})

test('200 uploads from 20 clients all complete, each processed exactly once, without a 5xx', async () => {
	const photos = await Promise.all(
		Array.from({ length: 5 }, (_, i) => smallJpeg(320 + i * 40, 240 + i * 30)),
	)
	const started = performance.now()
	const statuses: number[] = []
	const clients = await Promise.all(
		Array.from({ length: CLIENTS }, async (_, client) => {
			const { token } = await register(web.baseUrl)
			const ids: string[] = []
			for (let i = 0; i < UPLOADS_PER_CLIENT; i++) {
				const response = await uploadFile(
					web.baseUrl,
					token,
					photos[(client + i) % photos.length]!,
					`client-${client}-${i}.jpg`,
				)
				statuses.push(response.status)
				if (response.status === 202) ids.push(((await response.json()) as { id: string }).id)
				else await response.body?.cancel()
			}
			return { token, ids }
		}),
	)
	const acknowledged = clients.flatMap((c) => c.ids)
	expect(statuses.filter((s) => s >= 500)).toEqual([])
	expect(acknowledged).toHaveLength(CLIENTS * UPLOADS_PER_CLIENT)

	// Wait until every client's list shows all its images completed.
	const deadline = Date.now() + 120_000
	for (const { token, ids } of clients) {
		for (;;) {
			const response = await api(web.baseUrl, '/api/images?pageSize=100', { token })
			expect(response.status).toBeLessThan(500)
			const list = (await response.json()) as ImageList
			const done = list.items.filter((item) => item.overallStatus === 'completed')
			if (done.length === ids.length) break
			const failed = list.items.filter((item) => item.overallStatus === 'failed')
			expect(failed).toEqual([])
			if (Date.now() > deadline) throw new Error(`only ${done.length}/${ids.length} completed`)
			await new Promise((r) => setTimeout(r, 200))
		}
	}
	const seconds = (performance.now() - started) / 1000

	// Exactly once: one "Image stage completed" line per image across both workers.
	const completions = new Map<string, number>()
	for (const worker of workers) {
		for (const line of worker.logs()) {
			if (line.msg === 'Image stage completed') {
				const id = line.imageId as string
				completions.set(id, (completions.get(id) ?? 0) + 1)
			}
		}
	}
	expect(completions.size).toBe(acknowledged.length)
	expect([...completions.values()].every((n) => n === 1)).toBe(true)
	const perWorker = workers.map(
		(w) => w.logs().filter((l) => l.msg === 'Image stage completed').length,
	)
	console.log(
		`load: ${acknowledged.length} uploads from ${CLIENTS} clients completed in ${seconds.toFixed(1)} s; ` +
			`per worker ${perWorker.join(' + ')}; 5xx: 0; duplicates: 0`,
	)
})
