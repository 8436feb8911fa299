import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test'
import {
	expectAccessible,
	photo,
	register,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// Albums and public links in the browser: an album made from the gallery and
// shared, seen by a visitor without JavaScript, then revoked; a password link
// with and without JavaScript. axe checks each public page.

type Owner = { storageState: Awaited<ReturnType<BrowserContext['storageState']>>; ids: string[] }
let owner: Owner

// One account and its processed photos for the whole file: processing is the slow part.
test.beforeAll(async ({ browser }) => {
	const setup = await browser.newContext()
	const page = await setup.newPage()
	await register(page)
	const bytes = await photo(640, 480)
	const ids: string[] = []
	for (const name of ['dunes.jpg', 'harbour.jpg', 'lantern.jpg']) {
		ids.push(await uploadWithSession(page, name, bytes))
	}
	for (const id of ids) await waitUntilCompleted(page, id)
	owner = { storageState: await setup.storageState(), ids }
	await setup.close()
})

/** The owner's page, with JavaScript on or off. */
async function ownerPage(browser: Browser, javaScriptEnabled: boolean) {
	const context = await browser.newContext({ javaScriptEnabled, storageState: owner.storageState })
	return context.newPage()
}

/** A visitor: not signed in, with or without JavaScript. */
async function visitor(browser: Browser, javaScriptEnabled: boolean) {
	const context = await browser.newContext({ javaScriptEnabled })
	return context.newPage()
}

/** Every image on the page has loaded (a preset that answered 404 would not). */
async function expectImagesLoaded(page: Page, count: number) {
	const images = page.getByRole('main').getByRole('img')
	await expect(images).toHaveCount(count)
	for (const image of await images.all()) {
		await image.scrollIntoViewIfNeeded()
		await expect
			.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
			.toBeGreaterThan(0)
	}
}

test('an album made from the gallery, shared and opened without JavaScript, then revoked', async ({
	browser,
}) => {
	const page = await ownerPage(browser, false)
	await page.goto('/images')
	await page.getByLabel('Select dunes.jpg').check()
	await page.getByLabel('Select harbour.jpg').check()
	await page.getByRole('button', { name: 'Add to album…' }).click()
	await expect(page.getByRole('heading', { name: 'Add 2 images to an album' })).toBeVisible()
	await page.getByLabel('Album', { exact: true }).selectOption({ label: 'New album…' })
	await page.getByLabel(/New album title/).fill('Coast walk')
	await page.getByRole('button', { name: 'Add to album', exact: true }).click()
	await expect(page.getByRole('heading', { level: 1, name: 'Coast walk' })).toBeVisible()
	const order = page.getByRole('list', { name: 'Images in order' }).getByRole('listitem')
	// In the gallery's order, newest first.
	await expect(order).toHaveText([/^1\. harbour\.jpg/, /^2\. dunes\.jpg/])

	await page.getByRole('button', { name: 'Move up dunes.jpg' }).click()
	await expect(order).toHaveText([/^1\. dunes\.jpg/, /^2\. harbour\.jpg/])

	await page.getByRole('button', { name: 'Create link' }).click()
	const address = await page.getByTestId('share-link').getByRole('link').textContent()
	expect(address).toMatch(/\/s\/[A-Za-z0-9_-]{32}$/)

	const guest = await visitor(browser, false)
	await guest.goto(address!)
	await expect(guest.getByRole('heading', { level: 1, name: 'Coast walk' })).toBeVisible()
	await expect(guest.getByRole('img')).toHaveCount(2)
	await expect(guest.getByRole('img').first()).toHaveAttribute('alt', /dunes\.jpg/)
	await expect(guest.getByRole('img').first()).toHaveAttribute('loading', 'lazy')
	await expectImagesLoaded(guest, 2)
	await expect(guest.locator('meta[property="og:image"]')).toHaveAttribute(
		'content',
		/\/img\/_\/[0-9a-f-]{36}\/v\d+\/p_hero$/,
	)
	await expect(guest.getByText('Download original')).toHaveCount(0)
	// axe runs in the page: with JavaScript on.
	const scripted = await visitor(browser, true)
	await scripted.goto(address!)
	await expectImagesLoaded(scripted, 2)
	await expectAccessible(scripted, 'shared album')

	// The owner sees the views (two visitors), then revokes: the page is gone at once.
	await page.reload()
	await expect(page.getByTestId('share-link')).toContainText('2 views')
	await page.getByRole('button', { name: /^Revoke/ }).click()
	await expect(page.getByTestId('share-link-state')).toHaveText('Revoked')
	const gone = await guest.goto(address!)
	expect(gone?.status()).toBe(410)
	await expect(guest.getByRole('heading', { name: 'Link no longer available' })).toBeVisible()
	await scripted.goto(address!)
	await expectAccessible(scripted, 'revoked link')
})

for (const javaScriptEnabled of [true, false]) {
	test(`a password link ${javaScriptEnabled ? 'with' : 'without'} JavaScript asks first, then shows the image`, async ({
		browser,
	}) => {
		const page = await ownerPage(browser, true)
		await page.goto('/images')
		const response = await page.request.post('/api/share-links', {
			headers: { Origin: new URL(page.url()).origin },
			data: { imageId: owner.ids[2], password: 'paper lantern', allowDownload: true },
		})
		expect(response.status()).toBe(201)
		const { url } = (await response.json()) as { url: string }

		const guest = await visitor(browser, javaScriptEnabled)
		await guest.goto(url)
		await expect(guest.getByRole('heading', { name: 'Password required' })).toBeVisible()
		await expect(guest.getByRole('img')).toHaveCount(0)
		if (javaScriptEnabled) await expectAccessible(guest, 'password form')

		await guest.getByLabel('Password').fill('wrong guess')
		await guest.getByRole('button', { name: 'Open' }).click()
		await expect(guest.getByText('That is not the password of this link.')).toBeVisible()

		await guest.getByLabel('Password').fill('paper lantern')
		await guest.getByRole('button', { name: 'Open' }).click()
		await expect(guest.getByRole('heading', { level: 1, name: 'lantern.jpg' })).toBeVisible()
		await expectImagesLoaded(guest, 1)
		const download = guest.waitForEvent('download')
		await guest.getByRole('link', { name: /Download original/ }).click()
		expect((await download).suggestedFilename()).toBe('lantern.jpg')
		if (javaScriptEnabled) await expectAccessible(guest, 'shared image')
	})
}

test('with JavaScript, the gallery adds to a new album, and the owner pages pass axe', async ({
	browser,
}) => {
	const page = await ownerPage(browser, true)
	await page.goto('/images')
	await untilHydrated(page)
	await page.getByLabel('Select lantern.jpg').check()
	await page.getByRole('button', { name: 'Add to album…' }).click()
	await page.getByLabel('Album', { exact: true }).selectOption({ label: 'New album…' })
	await page.getByLabel(/New album title/).fill('Lanterns')
	await expectAccessible(page, 'add to album')
	await page.getByRole('button', { name: 'Add to album', exact: true }).click()
	await expect(page.getByRole('heading', { level: 1, name: 'Lanterns' })).toBeVisible()
	await expect(page.getByText('1. lantern.jpg')).toBeVisible()
	await expectAccessible(page, 'album page')
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' }).click()
	await expect(page.getByRole('link', { name: 'Lanterns' })).toBeVisible()
	await expectAccessible(page, 'albums')
	await page.getByRole('link', { name: 'Shared links' }).click()
	await expect(page.getByRole('heading', { level: 1, name: 'Shared links' })).toBeVisible()
	await expectAccessible(page, 'shared links')
})
