import { expect, type Page, test } from '@playwright/test'
import { chooseFiles, expectAccessible, photo, register } from './support'

// Uploads belong to the app, not to the gallery page: they go on while the
// user browses elsewhere, a corner panel shows how far they are, and the
// browser warns before a tab with uploads in flight is closed. (Without
// JavaScript an upload is one form POST: there is nothing to browse during it.)

const jpeg = async (name: string) => ({
	name,
	mimeType: 'image/jpeg',
	buffer: await photo(1600, 1200),
})

/**
 * Holds every POST /api/images at the network until released, so the test
 * decides what is "in flight" instead of racing a fast local server.
 */
async function holdUploads(page: Page) {
	const held: (() => void)[] = []
	let passing = false
	let sent = 0
	await page.route('**/api/images', async (route) => {
		if (route.request().method() !== 'POST') return route.continue()
		sent++
		if (!passing) await new Promise<void>((resolve) => held.push(resolve))
		await route.continue()
	})
	return {
		/** Requests waiting at the network now. */
		waiting: () => held.length,
		sent: () => sent,
		releaseWaiting: () => held.splice(0).forEach((release) => release()),
		releaseAll: () => {
			passing = true
			held.splice(0).forEach((release) => release())
		},
	}
}

test('six uploads go on while the user is on Settings; the panel shows them; all six are stored', async ({
	page,
}) => {
	await register(page)
	await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-enhanced', 'true')
	const network = await holdUploads(page)
	const files = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => jpeg(`walk-${n}.jpg`)))

	await chooseFiles(page, files)
	// Three at a time are on the wire, held there; the gallery has no panel of its own.
	await expect.poll(network.waiting).toBe(3)
	await expect(page.getByTestId('upload-panel')).toHaveCount(0)

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click()
	await expect(page).toHaveURL(/\/settings\b/)
	const panel = page.getByTestId('upload-panel')
	await expect(panel).toBeVisible()
	await expect(panel.getByRole('status')).toHaveText('0 of 6 uploaded')
	// Nothing finished yet: no way to dismiss uploads still going.
	await expect(panel.getByRole('button', { name: 'Dismiss', exact: true })).toHaveCount(0)

	// The first three reach the server while the user is still on Settings.
	network.releaseWaiting()
	await expect(panel.getByRole('status')).toHaveText('3 of 6 uploaded', { timeout: 30_000 })
	const overall = panel.getByRole('progressbar', { name: 'All uploads' })
	const done = await overall.evaluate((bar: HTMLProgressElement) => bar.value / bar.max)
	expect(done).toBeGreaterThan(0.4)
	expect(done).toBeLessThan(1)
	await panel.getByRole('button', { name: 'Show files' }).click()
	await expect(panel.getByTestId('upload-row')).toHaveCount(6)
	await expectAccessible(page, 'Settings with the upload panel open')
	await expect(panel.getByTestId('upload-row').filter({ hasText: 'walk-1.jpg' })).toContainText(
		'Uploaded',
	)

	network.releaseAll()
	await expect(panel.getByRole('status')).toHaveText('6 of 6 uploaded', { timeout: 30_000 })
	expect(network.sent()).toBe(6)

	// Back in the gallery, all six are there, and the queue with them.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Images' }).click()
	await expect(page).toHaveURL(/\/images$/)
	await expect(page.getByTestId('upload-summary')).toHaveText('6 of 6 uploaded')
	const cards = page.getByTestId('gallery').getByRole('listitem')
	await expect(cards).toHaveCount(6)
	for (const file of files) await expect(cards.filter({ hasText: file.name })).toHaveCount(1)
	const list = await page.request.get('/api/images')
	expect(((await list.json()) as { total: number }).total).toBe(6)

	// Once done the panel can be dismissed, elsewhere too.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click()
	await panel.getByRole('button', { name: 'Dismiss', exact: true }).click()
	await expect(panel).toHaveCount(0)
})

test('on a phone the collapsed panel leaves the page readable and can be scrolled past', async ({
	page,
}) => {
	await page.setViewportSize({ width: 390, height: 844 })
	await register(page)
	await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-enhanced', 'true')
	const network = await holdUploads(page)
	await chooseFiles(page, await Promise.all([1, 2].map((n) => jpeg(`phone-${n}.jpg`))))
	await expect.poll(network.waiting).toBe(2)
	await page.getByRole('link', { name: 'Settings' }).click()
	const panel = page.getByTestId('upload-panel')
	await expect(panel).toBeVisible()
	const box = (await panel.boundingBox())!
	// A strip along the bottom, not a sheet over the page.
	expect(box.height).toBeLessThan(120)
	expect(box.y + box.height).toBeLessThanOrEqual(844)
	// At the end of the page the footer's link sits above the panel, not under it.
	await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
	const footerLink = page.getByRole('link', { name: 'API documentation' })
	const link = (await footerLink.boundingBox())!
	const panelAtEnd = (await panel.boundingBox())!
	expect(link.y + link.height).toBeLessThanOrEqual(panelAtEnd.y)
	network.releaseAll()
	await expect(panel.getByRole('status')).toHaveText('2 of 2 uploaded', { timeout: 30_000 })
})

test('the browser warns before closing a tab with uploads in flight, and not after', async ({
	page,
}) => {
	await register(page)
	await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-enhanced', 'true')
	const network = await holdUploads(page)
	const dialogs: string[] = []
	page.on('dialog', (dialog) => {
		dialogs.push(dialog.type())
		// Stay on the page.
		void dialog.dismiss()
	})
	await chooseFiles(page, [await jpeg('keep-me.jpg')])
	await expect.poll(network.waiting).toBe(1)
	// Chromium asks only on a page the user has interacted with.
	await page.getByRole('heading', { name: 'Upload images' }).click()

	await page.close({ runBeforeUnload: true })
	await expect.poll(() => dialogs).toEqual(['beforeunload'])
	expect(page.isClosed()).toBe(false)

	network.releaseAll()
	await expect(page.getByTestId('upload-summary')).toHaveText('1 of 1 uploaded', {
		timeout: 30_000,
	})
	// Nothing in flight: leaving is silent.
	await page.reload()
	await expect(page.getByRole('heading', { name: 'Upload images' })).toBeVisible()
	expect(dialogs).toEqual(['beforeunload'])
})
