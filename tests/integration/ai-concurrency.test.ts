import { expect, test } from 'vitest'
import {
	api,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type ImageDetail,
} from '#tests/support/app'
import { chatCompletion, startFakeOpenAi } from '#tests/support/fake-openai'
import { smallJpeg } from '#tests/support/images'

// Its own file, so its own database: no other worker may take these jobs.
test('AI_CONCURRENCY caps AI calls across all workers, and slow AI never holds up thumbnails', async () => {
	const slowFake = await startFakeOpenAi()
	const env = {
		AI_PROVIDER: 'openai',
		OPENAI_BASE_URL: slowFake.baseUrl,
		OPENAI_MODERATION_MODEL: 'none',
		AI_CONCURRENCY: '1',
		WORKER_CONCURRENCY: '1',
	}
	const slow = { delayMs: 1500, body: chatCompletion() }
	slowFake.enqueue('chat', slow, slow, slow)
	const processes = await Promise.all([startWeb(env), startWorker(env), startWorker(env)])
	const [app] = processes
	try {
		const { token: owner } = await register(app.baseUrl)
		const ids: string[] = []
		for (let i = 0; i < 3; i++) {
			const response = await uploadFile(app.baseUrl, owner, await smallJpeg(), `slow-${i}.jpg`)
			ids.push(((await response.json()) as { id: string }).id)
		}
		// Every image stage finishes while the AI calls are still queued or in flight.
		const states = async () =>
			Promise.all(
				ids.map(async (id) => {
					const r = await api(app.baseUrl, `/api/images/${id}`, { token: owner })
					return (await r.json()) as ImageDetail
				}),
			)
		let snapshot = await states()
		while (snapshot.some((image) => image.status !== 'completed')) snapshot = await states()
		expect(snapshot.some((image) => image.aiStatus !== 'completed')).toBe(true)

		const done = await Promise.all(ids.map((id) => waitForTerminal(app.baseUrl, owner, id)))
		expect(done.map((image) => image.overallStatus)).toEqual([
			'completed',
			'completed',
			'completed',
		])
		expect(slowFake.requestsTo('chat')).toHaveLength(3)
		expect(slowFake.maxInFlight('chat')).toBe(1)
	} finally {
		await Promise.all(processes.map((p) => p.stop()))
		await slowFake.stop()
	}
})
