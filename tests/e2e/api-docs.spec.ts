import { expect, test } from '@playwright/test'
import { expectAccessible, untilHydrated } from './support'

// The API documentation page: public, accessible, usable on a phone, and its
// copy buttons copy exactly the curl command shown.

test('the API docs page renders for anyone, passes axe and copies curl commands', async ({
	page,
	context,
}) => {
	// axe over the whole reference takes a while on a busy machine.
	test.setTimeout(120_000)
	await context.grantPermissions(['clipboard-read', 'clipboard-write'])
	await page.goto('/')
	await page.getByRole('link', { name: 'API documentation' }).click()
	await expect(page).toHaveURL(/\/api\/docs$/)
	await expect(page.getByRole('heading', { level: 1, name: 'Darkroom API' })).toBeVisible()
	// Hydrating this long page takes a while on 2 cores. A click in that window
	// once hit React 18.3's "root did not complete" invariant (#345), which
	// stopped the page's script, so no copy button came: this test is about the
	// hydrated page, so it waits for it, as the other specs do.
	await untilHydrated(page)

	const contents = page.getByRole('navigation', { name: 'Contents' })
	await contents.getByRole('link', { name: 'GET /api/health', exact: true }).click()
	await expect(page).toHaveURL(/#op-gethealth$/)
	const health = page.getByRole('article', { name: /GET \/api\/health(?!\/)/ })
	await expect(health.getByRole('heading', { level: 4, name: 'Responses' })).toBeVisible()

	// Enhancement: the copy button appears once JavaScript runs, and copies the block.
	const example = health.locator('pre[data-curl]')
	await expect(example).toHaveText(/^curl http:\/\/127\.0\.0\.1:\d+\/api\/health$/)
	await health.getByRole('button', { name: 'Copy curl command' }).click()
	await expect(health.getByRole('button', { name: 'Copied' })).toBeVisible()
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
		await example.textContent(),
	)

	await expectAccessible(page)
})

test('the API docs page fits a phone: only code blocks and tables scroll sideways', async ({
	page,
}) => {
	await page.setViewportSize({ width: 360, height: 740 })
	await page.goto('/api/docs')
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth,
	)
	expect(overflow).toBe(0)
	const upload = page.locator('pre[data-curl="uploadImage"]')
	await expect(upload).toContainText('-F file=@photo.jpg')
	expect(await upload.evaluate((pre) => getComputedStyle(pre).overflowX)).toBe('auto')

	// A description's wide table (the rate limits) scrolls in its own box, by keyboard too.
	const overview = page.getByRole('region', { name: 'Overview' })
	const tableBox = overview.getByRole('group', { name: 'Table' })
	await expect(tableBox.getByRole('columnheader', { name: 'counted per' })).toBeAttached()
	expect(await tableBox.evaluate((box) => box.scrollWidth > box.clientWidth)).toBe(true)
	await tableBox.focus()
	await page.keyboard.press('ArrowRight')
	await expect.poll(() => tableBox.evaluate((box) => box.scrollLeft)).toBeGreaterThan(0)
})
