import { expect, test, type Page } from '@playwright/test'
import { chatCompletion, moderationBody } from '#tests/support/fake-openai'
import { photo, register, scriptOpenAi, uploadAndOpen } from './support'

async function uploadAndComplete(page: Page, name: string) {
	await uploadAndOpen(page, { name, mimeType: 'image/jpeg', buffer: await photo() })
	await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
}

const isBlurred = (page: Page, locator = page.locator('img[data-flagged="true"]').first()) =>
	locator.evaluate((img) => getComputedStyle(img).filter.includes('blur'))

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		test('a flagged image is blurred in detail and gallery until the user reveals it', async ({
			page,
		}) => {
			await register(page)
			// A moderation request carries only the image, so this answer cannot
			// match a file name. Before it in this one-at-a-time project run only
			// specs that upload nothing or wait for their images to complete.
			await scriptOpenAi('moderations', { body: moderationBody({ violence: true }) })
			await uploadAndComplete(page, 'flagged.jpg')

			await expect(page.getByTestId('safety')).toContainText('Flagged: violence')
			const preview = page.getByRole('img', { name: 'flagged.jpg' })
			await expect(preview).toHaveAttribute('data-flagged', 'true')
			if (javaScriptEnabled) expect(await isBlurred(page)).toBe(true)
			await page.getByText('Show image').click()
			if (javaScriptEnabled) await expect.poll(() => isBlurred(page)).toBe(false)
			await expect(page.getByText('Show image')).toBeHidden()

			await page.goto('/images')
			const card = page.getByTestId('gallery').getByRole('listitem').first()
			await expect(card.locator('img[data-flagged="true"]')).toBeVisible()
			await expect(card.getByText('Flagged: violence')).toBeVisible()
		})
	})
}

test('the analysis is shown with tag links, OCR text, model, tokens and cost; search finds it', async ({
	page,
}) => {
	await register(page)
	const name = `receipt-${Date.now()}.jpg`
	await scriptOpenAi('chat', {
		body: chatCompletion({
			summary: 'A receipt from a bakery on a wooden table.',
			tags: ['receipt', 'bakery', 'table'],
			ocrText: 'BAKERY 88\nCroissant 2.40',
			safety: { flagged: false, categories: [] },
		}),
		match: name,
	})
	await uploadAndComplete(page, name)
	const analysis = page.getByTestId('analysis')
	await expect(analysis).toContainText('A receipt from a bakery on a wooden table.')
	await expect(page.getByTestId('ocr-text')).toHaveText('BAKERY 88\nCroissant 2.40')
	// Scoped: the Files section has copy buttons for each link too.
	await expect(analysis.getByRole('button', { name: 'Copy' })).toBeVisible()
	await expect(page.getByTestId('ai-cost')).toContainText('gpt-4.1-mini-2025-04-14')
	await expect(page.getByTestId('ai-cost')).toContainText('1,200 in / 150 out tokens · $0.000720')
	await expect(page.getByTestId('safety')).toContainText('Not flagged')

	await analysis.getByRole('link', { name: 'bakery' }).click()
	await expect(page).toHaveURL(/\/images\?tag=bakery$/)
	await expect(page.getByText('Tagged bakery')).toBeVisible()
	await expect(page.getByTestId('gallery').getByRole('listitem')).toHaveCount(1)

	await page.goto('/images')
	await page.getByRole('searchbox', { name: 'Search' }).fill('croissant')
	await page.getByRole('button', { name: 'Apply' }).click()
	await expect(page.getByTestId('gallery').getByRole('listitem')).toHaveCount(1)
	await expect(page.getByTestId('gallery')).toContainText(name)

	await page.getByRole('link', { name: 'AI usage' }).click()
	await expect(page.getByTestId('usage-totals')).toContainText('Images analysed1')
	await expect(page.getByTestId('usage-totals')).toContainText('$0.000720')
})

test("another user's image page, and its file links, reveal nothing", async ({ browser }) => {
	const alice = await browser.newPage()
	await register(alice)
	await uploadAndComplete(alice, 'alice-private.jpg')
	const detailUrl = alice.url()
	const thumbnailHref = await alice.locator('a[data-variant="thumbnail"]').getAttribute('href')

	const bob = await browser.newPage({ storageState: { cookies: [], origins: [] } })
	await register(bob)
	const response = await bob.goto(detailUrl)
	expect(response?.status()).toBe(404)
	await expect(bob.getByRole('heading', { name: 'Page not found' })).toBeVisible()
	await expect(bob.locator('body')).not.toContainText('alice-private')

	// A signed link pointed at another object, or with its expiry moved, is refused.
	const tampered = new URL(thumbnailHref!)
	tampered.pathname = tampered.pathname.replace('thumbnail.webp', 'original.jpg')
	expect((await bob.request.get(tampered.toString())).status()).toBe(403)
	const extended = new URL(thumbnailHref!)
	extended.searchParams.set('exp', String(Number(extended.searchParams.get('exp')) + 3600))
	expect((await bob.request.get(extended.toString())).status()).toBe(403)
})
