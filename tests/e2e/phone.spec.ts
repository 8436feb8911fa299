import { expect, type Page, test } from '@playwright/test'
import { photo, register, uploadWithSession, waitUntilCompleted } from './support'

/** Tab presses from a fresh page until focus is inside the gallery grid. */
async function tabStopsToFirstImage(page: Page) {
	for (let stops = 1; stops <= 80; stops++) {
		await page.keyboard.press('Tab')
		const inGrid = await page.evaluate(
			() => document.activeElement?.closest('[data-testid="gallery"]') !== null,
		)
		if (inGrid) return stops
	}
	return Infinity
}

for (const javaScriptEnabled of [true, false]) {
	test(`measure js=${javaScriptEnabled}`, async ({ browser }) => {
		const context = await browser.newContext({ javaScriptEnabled })
		const page = await context.newPage()
		if (javaScriptEnabled) await register(page)
		else {
			const setup = await browser.newContext()
			const p = await setup.newPage()
			await register(p)
			await context.addCookies(await setup.cookies())
			await page.goto('/images')
		}
		const ids = [await uploadWithSession(page, 'a.jpg', await photo()), await uploadWithSession(page, 'b.jpg', await photo())]
		for (const id of ids) await waitUntilCompleted(page, id)
		for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
			await page.setViewportSize(size)
			await page.goto('/images')
			console.log('MEASURE', javaScriptEnabled, size.width, await tabStopsToFirstImage(page))
		}
	})
}
