import fs from 'node:fs/promises'
import { type BrowserContext, expect, test } from '@playwright/test'
import {
	adminContext,
	chooseFiles,
	expectAccessible,
	openAdminSection,
	untilHydrated,
	uploadWithSession,
} from './support'

// Admin → Instance settings refuses duplicate uploads; the gallery's upload
// form then names the image the user already has, with a link to it, with
// and without JavaScript. Instance-wide (playwright.config.ts): duplicates
// are kept again whatever happens here.

async function keepDuplicates(context: BrowserContext, baseURL: string) {
	const response = await context.request.post('/admin/settings', {
		form: { duplicateUploads: 'keep' },
		headers: { Origin: baseURL },
		maxRedirects: 0,
	})
	expect(response.status()).toBe(302)
}

for (const javaScriptEnabled of [true, false]) {
	test(`a refused duplicate upload links to the image the user has (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
		baseURL,
	}) => {
		const { context } = await adminContext(browser, { javaScriptEnabled })
		try {
			const page = await context.newPage()
			await page.goto('/images')
			await untilHydrated(page)
			await page.goto('/admin')
			await openAdminSection(page, 'Instance')
			await page.getByRole('radio', { name: 'Refuse' }).check()
			await page.getByRole('button', { name: 'Save' }).click()
			await expect(page.getByRole('status')).toHaveText('Saved.')
			await expect(page.getByRole('radio', { name: 'Refuse' })).toBeChecked()
			if (javaScriptEnabled) await expectAccessible(page, 'instance settings with duplicates')

			const photo = await fs.readFile(new URL('../fixtures/grace-hopper.jpg', import.meta.url))
			await page.goto('/images')
			const first = await uploadWithSession(page, 'hopper.jpg', photo)
			await untilHydrated(page)
			// Each file is decided on its own: the repeat is refused, the new photo stored.
			const board = await fs.readFile(new URL('../fixtures/board.jpg', import.meta.url))
			await chooseFiles(page, [
				{ name: 'hopper-again.jpg', mimeType: 'image/jpeg', buffer: photo },
				{ name: 'board.jpg', mimeType: 'image/jpeg', buffer: board },
			])
			await expect(page.getByText(/You already have this image/)).toBeVisible()
			await expect
				.poll(async () => {
					const response = await page.request.get('/api/images')
					const list = (await response.json()) as { items: Array<{ filename: string }> }
					return list.items.map((item) => item.filename).sort()
				})
				.toEqual(['board.jpg', 'hopper.jpg'])
			const link = page.getByRole('link', { name: 'Open the image you already have' })
			await expect(link).toHaveAttribute('href', `/images/${first}`)
			await link.click()
			await expect(page).toHaveURL(new RegExp(`/images/${first}$`))
			await expect(page.getByRole('heading', { name: 'hopper.jpg' })).toBeVisible()
		} finally {
			await keepDuplicates(context, baseURL!)
			await context.close()
		}
	})
}
