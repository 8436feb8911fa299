import { expect, type Page, test } from '@playwright/test'
import sharp from 'sharp'
import {
	expectAccessible,
	photo,
	register,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// Name search with hyphens and prefixes, the date-taken filters, the From/To
// check, and previous/next + "All images" following the list an image was
// opened from. Each with JavaScript on and off.

// Each test uploads and processes six images first.
test.describe.configure({ timeout: 120_000 })

/** A small JPEG, with an EXIF date taken when `taken` ("2021:06:15 12:00:00") is given. */
async function jpeg(taken?: string) {
	const image = sharp(await photo(160, 120))
	if (taken) image.withExif({ IFD2: { DateTimeOriginal: taken } })
	return image.jpeg({ quality: 80 }).toBuffer()
}

/** Uploaded in this order, so the gallery (newest first) shows them reversed. */
const files: Array<[string, string | undefined]> = [
	['rocket-copy-1.jpg', '2020:01:10 08:00:00'],
	['rocket-copy-2.jpg', '2021:06:15 12:00:00'],
	['rocket-copy-3.jpg', undefined],
	['rocket-copy-4.jpg', '2019:03:03 10:00:00'],
	['camera-4000x3000.jpg', '2022:03:03 09:00:00'],
	['beach.jpg', undefined],
]

async function setUp(page: Page) {
	await register(page)
	const ids: string[] = []
	for (const [name, taken] of files)
		ids.push(await uploadWithSession(page, name, await jpeg(taken)))
	for (const id of ids) await waitUntilCompleted(page, id)
}

const cards = (page: Page) => page.getByTestId('gallery').locator('[data-grid-focus]')

async function search(page: Page, text: string) {
	await page.getByRole('searchbox', { name: 'Search' }).fill(text)
	await page.getByRole('searchbox', { name: 'Search' }).press('Enter')
	await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe(text)
}

/** Follows the Previous or Next link and waits for that image's page. */
async function step(page: Page, link: 'Previous' | 'Next', filename: string) {
	await page.getByRole('link', { name: new RegExp(link) }).click()
	await expect(page.getByRole('heading', { name: filename })).toBeVisible()
}

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		test('finds names with hyphens and by their beginning', async ({ page }) => {
			await setUp(page)
			await page.goto('/images')
			await untilHydrated(page)
			await search(page, 'rocket-copy')
			await expect(cards(page)).toHaveText([
				'rocket-copy-4.jpg',
				'rocket-copy-3.jpg',
				'rocket-copy-2.jpg',
				'rocket-copy-1.jpg',
			])
			await search(page, 'camera-4000x3000')
			await expect(cards(page)).toHaveText(['camera-4000x3000.jpg'])
			await search(page, 'rock')
			await expect(cards(page)).toHaveCount(4)
			await search(page, 'rocket -copy-2 -copy-3')
			await expect(cards(page)).toHaveText(['rocket-copy-4.jpg', 'rocket-copy-1.jpg'])
		})

		test('previous/next follow the search and sort; All images returns to that page', async ({
			page,
		}) => {
			await setUp(page)
			// Two a page, so the way back has a page number to keep.
			await page.goto('/images?q=rocket&sort=oldest&pageSize=2&page=2')
			await untilHydrated(page)
			await expect(cards(page)).toHaveText(['rocket-copy-3.jpg', 'rocket-copy-4.jpg'])
			await cards(page).first().click()
			await expect(page.getByRole('heading', { name: 'rocket-copy-3.jpg' })).toBeVisible()
			await expect(page).toHaveURL(/q=rocket/)

			const previous = page.getByRole('link', { name: /Previous/ })
			const next = page.getByRole('link', { name: /Next/ })
			await expect(previous).toContainText('rocket-copy-2.jpg')
			// Unfiltered and newest first, camera and beach would come next to it.
			await expect(next).toContainText('rocket-copy-4.jpg')
			await next.click()
			await expect(page.getByRole('heading', { name: 'rocket-copy-4.jpg' })).toBeVisible()
			await expect(page.getByRole('link', { name: /Next/ })).toHaveCount(0)
			await expect(page.getByText('Last image')).toBeVisible()

			await step(page, 'Previous', 'rocket-copy-3.jpg')
			await step(page, 'Previous', 'rocket-copy-2.jpg')
			await step(page, 'Previous', 'rocket-copy-1.jpg')
			await expect(page.getByText('First image')).toBeVisible()
			// Back to the page that holds this image now: page 1 of the same list.
			await page.getByRole('link', { name: '← All images' }).click()
			await expect(page).toHaveURL(/\/images\?q=rocket&sort=oldest&pageSize=2$/)
			await expect(cards(page)).toHaveText(['rocket-copy-1.jpg', 'rocket-copy-2.jpg'])

			await cards(page).last().click()
			await expect(page.getByRole('heading', { name: 'rocket-copy-2.jpg' })).toBeVisible()
			await step(page, 'Next', 'rocket-copy-3.jpg')
			await step(page, 'Next', 'rocket-copy-4.jpg')
			const detail = new URL(page.url()).pathname
			await page.getByRole('link', { name: '← All images' }).click()
			await expect(page).toHaveURL(/\/images\?q=rocket&sort=oldest&pageSize=2&page=2$/)
			await expect(cards(page)).toHaveText(['rocket-copy-3.jpg', 'rocket-copy-4.jpg'])

			// Opened with a list it is not in: previous/next walk the whole gallery, newest first.
			await page.goto(`${detail}?q=beach`)
			await expect(page.getByRole('link', { name: /Previous/ })).toContainText(
				'camera-4000x3000.jpg',
			)
			await expect(page.getByRole('link', { name: /Next/ })).toContainText('rocket-copy-3.jpg')
			await expect(page.getByRole('link', { name: '← All images' })).toHaveAttribute(
				'href',
				'/images?q=beach',
			)
		})

		test('filters and sorts by date taken', async ({ page }) => {
			await setUp(page)
			await page.goto('/images')
			await untilHydrated(page)
			await page.getByText('More filters').click()
			await page.getByLabel('Dates').selectOption('taken')
			await page.getByLabel('From').fill('2020-01-01')
			await page.getByLabel('To').fill('2022-03-03')
			await page.getByLabel('Sort').selectOption('taken-oldest')
			await page.getByRole('button', { name: 'Apply' }).click()
			await expect(page).toHaveURL(/date=taken/)
			await expect(cards(page)).toHaveText([
				'rocket-copy-1.jpg',
				'rocket-copy-2.jpg',
				'camera-4000x3000.jpg',
			])
			await expect(page.getByLabel('Dates')).toHaveValue('taken')

			// The same days by upload date: nothing was uploaded then.
			await page.getByLabel('Dates').selectOption('uploaded')
			await page.getByRole('button', { name: 'Apply' }).click()
			await expect(page.getByText('No images match these filters.')).toBeVisible()

			await page.goto('/images?sort=taken-newest')
			await expect(cards(page)).toHaveText([
				'camera-4000x3000.jpg',
				'rocket-copy-2.jpg',
				'rocket-copy-1.jpg',
				'rocket-copy-4.jpg',
				// No date taken: last, in any order.
				/^(rocket-copy-3|beach)\.jpg$/,
				/^(rocket-copy-3|beach)\.jpg$/,
			])
		})

		test('a From after To is a message by the dates, not ignored', async ({ page }) => {
			await setUp(page)
			await page.goto('/images')
			await untilHydrated(page)
			await page.getByText('More filters').click()
			await page.getByLabel('From').fill('2026-03-01')
			await page.getByLabel('To').fill('2026-02-01')
			await page.getByRole('button', { name: 'Apply' }).click()
			// The page stays where the form sent it, with the dates as typed.
			await expect(page).toHaveURL(/from=2026-03-01&to=2026-02-01/)
			const message = page.getByRole('alert').filter({ hasText: 'is after To' })
			await expect(message).toHaveText(
				'From (2026-03-01) is after To (2026-02-01). Choose a To date on or after From.',
			)
			await expect(page.getByLabel('From')).toHaveValue('2026-03-01')
			await expect(page.getByLabel('To')).toHaveValue('2026-02-01')
			await expect(page.getByLabel('To')).toHaveAttribute('aria-invalid', 'true')
			await expect(page.getByLabel('To')).toHaveAccessibleDescription(/is after To/)
			// Without the refused range the other filters still apply.
			await expect(cards(page)).toHaveCount(files.length)
			// axe runs as page script: only with JavaScript (the markup is the same without).
			if (javaScriptEnabled) await expectAccessible(page, 'gallery with a refused date range')

			await page.getByLabel('To').fill('2030-01-01')
			await page.getByRole('button', { name: 'Apply' }).click()
			await expect(message).toHaveCount(0)
			await expect(page.getByLabel('To')).not.toHaveAttribute('aria-invalid', 'true')
		})
		test('finds by meaning, lets the user match exact words only, and shows more like this', async ({
			page,
		}) => {
			await register(page)
			// The fake provider describes every photo as a red bicycle; embeddings follow the analysis.
			const names = ['holiday.jpg', 'street.jpg', 'garden.jpg']
			const ids: string[] = []
			for (const name of names) ids.push(await uploadWithSession(page, name, await jpeg()))
			for (const id of ids) await waitUntilCompleted(page, id)
			// The Match choice appears once something is embedded.
			await expect
				.poll(
					async () => {
						await page.goto('/images?q=bike')
						return page.getByLabel('Match').count()
					},
					{ timeout: 30_000 },
				)
				.toBe(1)
			await expect
				.poll(async () => {
					await page.goto('/images?q=bike')
					return cards(page).count()
				})
				.toBe(names.length)
			await untilHydrated(page)
			// No image says "bike": words and meaning find them all by what they show.
			await expect(page.getByLabel('Match')).toHaveValue('')

			await page.getByLabel('Match').selectOption('text')
			await page.getByRole('button', { name: 'Apply' }).click()
			await expect(page).toHaveURL(/mode=text/)
			await expect(page.getByText('No images match these filters.')).toBeVisible()

			await page.getByLabel('Match').selectOption('semantic')
			await page.getByRole('button', { name: 'Apply' }).click()
			await expect(page).toHaveURL(/mode=semantic/)
			await expect(cards(page)).toHaveCount(names.length)
			if (javaScriptEnabled) await expectAccessible(page, 'gallery searched by meaning')

			await page.goto(`/images/${ids[0]}`)
			const similar = page.getByRole('region', { name: 'More like this' })
			await expect(similar.getByRole('link')).toHaveCount(names.length - 1)
			await similar.getByRole('link', { name: 'street.jpg' }).click()
			await expect(page.getByRole('heading', { name: 'street.jpg' })).toBeVisible()
			if (javaScriptEnabled) await expectAccessible(page, 'detail page with more like this')

			// Embedding the images and the queries costs tokens, shown beside the analyses' cost.
			await page.getByRole('link', { name: 'AI usage' }).click()
			await expect(page.getByTestId('usage-embeddings')).toContainText(
				/Search embeddings: \d+ calls, [\d,]+ tokens/,
			)
			await expect(page.getByTestId('usage-embeddings')).toContainText('Total with the analyses: $')
		})
	})
}
