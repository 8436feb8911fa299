import { expect, type Page, test } from '@playwright/test'
import sharp from 'sharp'
import { cameraPhoto, chooseFiles, register } from './support'

async function uploadAndFinish(page: Page, { javaScript }: { javaScript: boolean }) {
	// With JavaScript the page updates in place: a mark on window survives until completion.
	if (javaScript) await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
	// With JavaScript choosing starts the upload; without it the form's button sends it.
	await chooseFiles(page, {
		name: 'holiday.jpg',
		mimeType: 'image/jpeg',
		buffer: await cameraPhoto(),
	})
	if (javaScript) {
		// The gallery stays: the new card appears and completes there, then opens.
		const card = page
			.getByTestId('gallery')
			.getByRole('listitem')
			.filter({ hasText: 'holiday.jpg' })
		await expect(card.locator('[data-status]')).toHaveText('completed', { timeout: 30_000 })
		await card.getByRole('link', { name: 'holiday.jpg' }).click()
	}
	await expect(page).toHaveURL(/\/images\/[0-9a-f-]{36}$/)
	await expect(page.getByRole('heading', { name: 'holiday.jpg' })).toBeVisible()
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
	if (javaScript) {
		expect(await page.evaluate(() => '__sameDocument' in window)).toBe(true)
	}

	const metadata = page.getByTestId('metadata')
	await expect(metadata).toContainText('1600 × 1200')
	await expect(metadata).toContainText('Pixelworks Phone 9')
	await expect(metadata).toContainText('Wide 26mm f/1.8')
	await expect(metadata).toContainText('52.36667, 4.90000')

	// Every file link works; the thumbnail is a WebP no larger than 256 px.
	for (const variant of ['original', 'optimized', 'thumbnail']) {
		const href = await page.locator(`a[data-variant="${variant}"]`).getAttribute('href')
		const response = await page.request.get(href!)
		expect(response.status(), variant).toBe(200)
		expect(response.headers()['content-type']).toBe(
			variant === 'original' ? 'image/jpeg' : 'image/webp',
		)
		if (variant === 'thumbnail') {
			const meta = await sharp(await response.body()).metadata()
			expect(Math.max(meta.width!, meta.height!)).toBe(256)
			expect(meta.exif).toBeUndefined()
		}
	}
	const preview = page.getByRole('img', { name: 'holiday.jpg' })
	await expect(preview).toBeVisible()
	if (javaScript) {
		// The browser really decoded it (script-free pages can't be evaluated).
		await expect
			.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth))
			.toBe(1600)
	}

	// Back in the gallery the card shows the thumbnail and the status.
	await page.getByRole('link', { name: '← All images' }).click()
	const card = page.getByTestId('gallery').getByRole('listitem').first()
	await expect(card).toContainText('holiday.jpg')
	await expect(card).toContainText('completed')
	const thumb = card.getByRole('img')
	const thumbResponse = await page.request.get((await thumb.getAttribute('src'))!)
	expect(thumbResponse.status()).toBe(200)
}

test.describe('with JavaScript disabled', () => {
	test.use({ javaScriptEnabled: false })

	test('register, upload with the plain form and reach the completed detail page', async ({
		page,
	}) => {
		await register(page)
		await uploadAndFinish(page, { javaScript: false })
	})

	test('a file that is not an image gets a readable error', async ({ page }) => {
		await register(page)
		await page.getByLabel('Image file').setInputFiles({
			name: 'notes.jpg',
			mimeType: 'image/jpeg',
			buffer: Buffer.from('these are my notes, not a photo'),
		})
		await page.getByRole('button', { name: 'Upload' }).click()
		await expect(page.getByRole('alert')).toContainText('not a supported image')
		await expect(page.getByText('No images yet')).toBeVisible()
	})
})

test.describe('with JavaScript enabled', () => {
	test('register, upload and watch the status change without reloading', async ({ page }) => {
		await register(page)
		await uploadAndFinish(page, { javaScript: true })
	})

	test('sign out and back in', async ({ page }) => {
		await register(page)
		const email = await page.getByTestId('user-email').textContent()
		await page.getByRole('button', { name: 'Sign out' }).click()
		await expect(page).toHaveURL(/\/login$/)
		await page.goto('/images')
		await expect(page).toHaveURL(/\/login\?redirectTo=%2Fimages$/)
		await page.getByLabel('Email').fill(email!)
		await page.getByLabel('Password').fill('wrong password!')
		await page.getByRole('button', { name: 'Sign in' }).click()
		await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.')
		await page.getByLabel('Password').fill('a long enough password')
		await page.getByRole('button', { name: 'Sign in' }).click()
		await expect(page).toHaveURL(/\/images$/)
	})
})
