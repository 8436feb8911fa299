import { expect, type Page, test } from '@playwright/test'
import { chatCompletion } from '#tests/support/fake-openai'
import { photo, register, scriptOpenAi, uploadAndOpen } from './support'

// The gallery hears of changes made elsewhere (here: an upload through the API
// with the page's own cookie) over /api/events, and updates in place without
// polling.

/** Records in the page when each card first shows each status (Date.now(), same clock as the test). */
async function watchCards(page: Page) {
	await page.evaluate(() => {
		const seen: Record<string, number> = {}
		const record = () => {
			for (const card of document.querySelectorAll('[data-testid="gallery"] li')) {
				const name = card.querySelector('a[title]')?.getAttribute('title')
				const status = card.querySelector('[data-status]')?.getAttribute('data-status')
				if (name && status) seen[`${name}:${status}`] ??= Date.now()
			}
		}
		new MutationObserver(record).observe(document.body, {
			subtree: true,
			childList: true,
			characterData: true,
			attributes: true,
		})
		Object.assign(window, { __seen: seen, __sameDocument: true })
	})
}

async function shownAt(page: Page, key: string): Promise<number> {
	const at = await page.evaluate(
		(k) => (window as unknown as { __seen: Record<string, number> }).__seen[k],
		key,
	)
	if (at === undefined) throw new Error(`The page never showed ${key}`)
	return at
}

test('the gallery shows an image uploaded elsewhere, up to completed, over the event stream without polling', async ({
	page,
	baseURL,
}) => {
	const eventStreams: string[] = []
	const revalidations: number[] = []
	page.on('request', (request) => {
		const url = new URL(request.url())
		if (url.pathname === '/api/events') eventStreams.push(request.resourceType())
		// Remix revalidation (single fetch: `.data`; otherwise `?_data=`).
		if (url.pathname.endsWith('.data') || url.searchParams.has('_data')) {
			revalidations.push(Date.now())
		}
	})

	const streamOpened = page.waitForResponse(
		(response) => new URL(response.url()).pathname === '/api/events',
	)
	await register(page)
	await expect(page).toHaveURL(/\/images$/)
	expect((await streamOpened).status()).toBe(200)
	await watchCards(page)

	// From outside the page: the API, with the browser's own session cookie.
	const name = `live-${Date.now()}.jpg`
	// The AI answer for this file is held, so the image sits in `processing` a while.
	await scriptOpenAi('chat', { body: chatCompletion(), delayMs: 4000, match: name })
	const upload = await page.request.post('/api/images', {
		headers: { Origin: baseURL! },
		multipart: { file: { name, mimeType: 'image/jpeg', buffer: await photo() } },
	})
	expect(upload.status()).toBe(202)
	const { id } = (await upload.json()) as { id: string }

	// The API's view, polled every 50 ms: when it first reports completion.
	let apiCompletedAt = 0
	let updatedAt = ''
	const apiDone = (async () => {
		for (;;) {
			const response = await page.request.get(`/api/images/${id}`)
			const image = (await response.json()) as { overallStatus: string; updatedAt: string }
			if (image.overallStatus === 'completed') {
				apiCompletedAt = Date.now()
				updatedAt = image.updatedAt
				return
			}
			await new Promise((resolve) => setTimeout(resolve, 50))
		}
	})()

	const card = page.getByTestId('gallery').getByRole('listitem').filter({ hasText: name })
	await expect(card).toBeVisible()
	await expect(card.locator('[data-status]')).toHaveText('processing')
	await expect(card.locator('[data-status]')).toHaveText('completed', { timeout: 30_000 })
	await apiDone

	// No reload: the mark set on window is still there.
	expect(await page.evaluate(() => '__sameDocument' in window)).toBe(true)
	// One EventSource, opened once and never dropped.
	expect(eventStreams).toEqual(['eventsource'])

	// While the AI call was held (4 s of `processing` with no change) the page
	// sent no revalidation: it waited for the next event. A one-second poll
	// would leave no gap longer than about a second.
	const completedAt = await shownAt(page, `${name}:completed`)
	const gaps = revalidations
		.filter((at) => at <= completedAt)
		.slice(1)
		.map((at, i) => at - revalidations[i]!)
	const longestGap = Math.max(...gaps)
	expect(longestGap).toBeGreaterThan(2500)

	const sinceApi = completedAt - apiCompletedAt
	const sinceCommit = completedAt - Date.parse(updatedAt)
	console.info(
		`[live-status e2e] page showed completed ${sinceApi} ms after the API (polled every 50 ms) first reported it, ${sinceCommit} ms after the row's updated_at; ${revalidations.length} revalidations in all, the longest gap between two ${longestGap} ms (AI call held 4 s)`,
	)
	expect(sinceApi).toBeLessThan(1000)
})

test('without the event stream the detail page falls back to polling and still reaches completed', async ({
	page,
}) => {
	// As if a proxy refused server-sent events.
	await page.route('**/api/events', (route) => route.abort())
	const revalidations: number[] = []
	page.on('request', (request) => {
		const url = new URL(request.url())
		if (url.pathname.endsWith('.data') || url.searchParams.has('_data')) {
			revalidations.push(Date.now())
		}
	})
	await register(page)
	const name = `fallback-${Date.now()}.jpg`
	await scriptOpenAi('chat', { body: chatCompletion(), delayMs: 2000, match: name })
	await uploadAndOpen(page, { name, mimeType: 'image/jpeg', buffer: await photo() })
	await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
	const before = revalidations.length
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
	expect(await page.evaluate(() => '__sameDocument' in window)).toBe(true)
	// The two-second AI call alone spans at least one one-second poll.
	expect(revalidations.length - before).toBeGreaterThanOrEqual(2)
})
