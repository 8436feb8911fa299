import { expect, type Page, test } from '@playwright/test'
import { untilHydrated } from './support'

// The page background's lightness (0 black … 255 white), as the user sees it.
async function backgroundLightness(page: Page) {
	return page.evaluate(() => {
		const probe = document.createElement('div')
		probe.style.background = getComputedStyle(document.body).backgroundColor
		document.body.append(probe)
		// Chromium reports oklch() as written; let a canvas turn it into sRGB.
		const canvas = document.createElement('canvas')
		canvas.width = canvas.height = 1
		const context = canvas.getContext('2d')!
		context.fillStyle = getComputedStyle(probe).backgroundColor
		context.fillRect(0, 0, 1, 1)
		probe.remove()
		const [r, g, b] = context.getImageData(0, 0, 1, 1).data
		return Math.round(0.2126 * r! + 0.7152 * g! + 0.0722 * b!)
	})
}

test.describe('system setting dark', () => {
	test.use({ colorScheme: 'dark' })

	test('follows the system, and the switch overrides it for the next visits', async ({ page }) => {
		await page.goto('/login')
		await untilHydrated(page)
		expect(await backgroundLightness(page)).toBeLessThan(60)
		await expect(page.getByRole('button', { name: 'System theme' })).toHaveAttribute(
			'aria-pressed',
			'true',
		)

		await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
		// The POST itself: the route's module (/assets/theme-….js) also loads on the first use.
		const saved = page.waitForResponse(
			(response) =>
				response.request().method() === 'POST' &&
				/^\/theme(\.data)?$/.test(new URL(response.url()).pathname),
		)
		await page.getByRole('button', { name: 'Light theme' }).click()
		await expect(page.locator('html')).toHaveClass(/\blight\b/)
		expect((await saved).ok()).toBe(true)
		expect(await backgroundLightness(page)).toBeGreaterThan(200)
		// Applied in place, not by reloading the page.
		expect(await page.evaluate(() => '__sameDocument' in window)).toBe(true)

		await page.goto('/register')
		await untilHydrated(page)
		await expect(page.getByRole('button', { name: 'Light theme' })).toHaveAttribute(
			'aria-pressed',
			'true',
		)
		expect(await backgroundLightness(page)).toBeGreaterThan(200)

		await page.getByRole('button', { name: 'System theme' }).click()
		await expect(page.locator('html')).not.toHaveClass(/\blight\b/)
		expect(await backgroundLightness(page)).toBeLessThan(60)
	})
})

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false, colorScheme: 'light' })

	test('the switch is a plain form that comes back to the same page', async ({ page }) => {
		await page.goto('/register')
		await page.getByRole('button', { name: 'Dark theme' }).click()
		await expect(page).toHaveURL(/\/register$/)
		await expect(page.locator('html')).toHaveClass(/\bdark\b/)
		await expect(page.locator('body')).toHaveCSS('color-scheme', 'dark')
		await expect(page.getByRole('button', { name: 'Dark theme' })).toHaveAttribute(
			'aria-pressed',
			'true',
		)
	})
})

test('with JavaScript the switch is one Tab stop, and the arrow keys choose within it', async ({
	page,
}) => {
	await page.goto('/login')
	await untilHydrated(page)
	const system = page.getByRole('button', { name: 'System theme' })
	await system.focus()
	await page.keyboard.press('Tab')
	// Tab leaves the switch at once: the other two choices are not stops of their own.
	await expect(
		page.getByRole('button', { name: /theme$/ }).and(page.locator(':focus')),
	).toHaveCount(0)
	await page.keyboard.press('Shift+Tab')
	await expect(system).toBeFocused()
	await page.keyboard.press('ArrowRight')
	await expect(page.getByRole('button', { name: 'Light theme' })).toBeFocused()
	await page.keyboard.press('ArrowLeft')
	await page.keyboard.press('ArrowLeft')
	await expect(page.getByRole('button', { name: 'Dark theme' })).toBeFocused()
	await page.keyboard.press('Enter')
	await expect(page.locator('html')).toHaveClass(/\bdark\b/)
	await expect(page.getByRole('button', { name: 'Dark theme' })).toHaveAttribute('tabindex', '0')
})

test('without JavaScript each choice is a Tab stop and a plain submit button', async ({
	browser,
}) => {
	const context = await browser.newContext({ javaScriptEnabled: false })
	const page = await context.newPage()
	await page.goto('/login')
	await page.getByRole('button', { name: 'System theme' }).focus()
	await page.keyboard.press('Tab')
	await expect(page.getByRole('button', { name: 'Light theme' })).toBeFocused()
	await page.keyboard.press('Enter')
	await expect(page.locator('html')).toHaveClass(/\blight\b/)
	await context.close()
})
