import { expect, test } from '@playwright/test'
import { photo, register, uploadAndOpen } from './support'

// The pages under the Content-Security-Policy (server/security.ts): hydration,
// navigation, polling and the images all work without a single violation.

test('the pages run under the CSP without a violation', async ({ page }) => {
	const violations: string[] = []
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) => {
			console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`)
		})
	})
	page.on('console', (message) => {
		if (/Content Security Policy|CSP violation/i.test(message.text())) {
			violations.push(message.text())
		}
	})

	await register(page)
	await uploadAndOpen(page, { name: 'csp.jpg', mimeType: 'image/jpeg', buffer: await photo() })
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
	const preview = page.getByRole('img', { name: 'csp.jpg' })
	await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640)

	// Client-side navigations (Remix fetches data) and a page with its own form.
	await page.getByRole('link', { name: 'AI usage' }).click()
	await expect(page.getByRole('heading', { name: 'AI usage' })).toBeVisible()
	await page.getByRole('link', { name: 'Images', exact: true }).click()
	await expect(page.getByTestId('gallery')).toContainText('csp.jpg')

	expect(violations).toEqual([])
})
