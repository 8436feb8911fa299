import { expect, type Page, test } from '@playwright/test'
import sharp from 'sharp'
import {
	cameraPhoto,
	expectAccessible,
	photo,
	register,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

/** Three images, oldest first; the gallery (newest first) shows them as newer, middle, older. */
async function threeImages(page: Page) {
	await register(page)
	const older = await uploadWithSession(page, 'older.jpg', await photo())
	const middle = await uploadWithSession(page, 'middle.jpg', await cameraPhoto(1200, 900))
	const newer = await uploadWithSession(page, 'newer.jpg', await photo())
	for (const id of [older, middle, newer]) await waitUntilCompleted(page, id)
	return { older, middle, newer }
}

test.describe('with JavaScript', () => {
	test.use({ permissions: ['clipboard-read', 'clipboard-write'] })

	test('previous and next follow the gallery order, by link and by arrow key', async ({ page }) => {
		const { older, middle, newer } = await threeImages(page)
		await page.goto(`/images/${middle}`)
		await untilHydrated(page)
		const previous = page.getByRole('link', { name: /Previous/ })
		const next = page.getByRole('link', { name: /Next/ })
		await expect(previous).toHaveAttribute('rel', 'prev')
		await expect(previous).toContainText('newer.jpg')
		await expect(next).toHaveAttribute('rel', 'next')
		await expect(next).toContainText('older.jpg')

		await next.click()
		await expect(page).toHaveURL(`/images/${older}`)
		await expect(page.getByRole('heading', { name: 'older.jpg' })).toBeVisible()
		// The oldest image has no next.
		await expect(page.getByRole('link', { name: /Next/ })).toHaveCount(0)

		await page.keyboard.press('ArrowLeft')
		await expect(page).toHaveURL(`/images/${middle}`)
		await page.keyboard.press('ArrowLeft')
		await expect(page).toHaveURL(`/images/${newer}`)
		await expect(page.getByRole('link', { name: /Previous/ })).toHaveCount(0)
		await page.keyboard.press('ArrowRight')
		await expect(page).toHaveURL(`/images/${middle}`)
		await expect(page.getByRole('heading', { name: 'middle.jpg' })).toBeVisible()

		// Arrow keys typed into a field stay there.
		await page.getByRole('link', { name: '← All images' }).click()
		await page.getByRole('searchbox', { name: 'Search' }).press('ArrowLeft')
		await expect(page).toHaveURL(/\/images$/)
	})

	test('an arrow key pressed as soon as the address changes follows the new image', async ({
		page,
	}) => {
		const { older, newer } = await threeImages(page)
		await page.goto(`/images/${older}`)
		await untilHydrated(page)
		// The router writes the new address before React renders that image: press
		// ← again in between, as a quick reader (or a test that waits for the URL) does.
		await page.evaluate(() => {
			const pushState = history.pushState.bind(history)
			history.pushState = (...args: Parameters<History['pushState']>) => {
				pushState(...args)
				history.pushState = pushState
				document.body.dispatchEvent(
					new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }),
				)
			}
		})
		await page.keyboard.press('ArrowLeft')
		await expect(page).toHaveURL(`/images/${newer}`)
		await expect(page.getByRole('heading', { name: 'newer.jpg' })).toBeVisible()
	})

	test('zoom in, pan, and back to fit', async ({ page }) => {
		const { middle } = await threeImages(page)
		await page.goto(`/images/${middle}`)
		await untilHydrated(page)
		const image = page.getByRole('img', { name: 'middle.jpg' })
		await expect(image).toBeVisible()
		await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete)).toBe(true)
		const fitted = (await image.boundingBox())!
		const viewer = page.getByTestId('viewer')
		const box = (await viewer.boundingBox())!
		expect(fitted.width).toBeLessThanOrEqual(box.width + 1)

		await page.getByRole('button', { name: 'Zoom in' }).click()
		await expect
			.poll(async () => (await image.boundingBox())!.width)
			.toBeCloseTo(fitted.width * 1.5, 0)
		await page.keyboard.press('+')
		await expect
			.poll(async () => (await image.boundingBox())!.width)
			.toBeCloseTo(fitted.width * 2, 0)
		await expect(page.getByTestId('zoom-level')).not.toHaveText('Fitted')
		await expectAccessible(page)
		// The zoomed image is larger than its box, and the box scrolls.
		expect(await viewer.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true)
		const before = await viewer.evaluate((el) => el.scrollLeft)
		// Where the viewer is now: zooming and the accessibility scan may have scrolled the page.
		await viewer.scrollIntoViewIfNeeded()
		const area = (await viewer.boundingBox())!
		await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2)
		await page.mouse.down()
		await page.mouse.move(area.x + area.width / 2 - 80, area.y + area.height / 2, { steps: 5 })
		await page.mouse.up()
		expect(await viewer.evaluate((el) => el.scrollLeft)).toBeGreaterThan(before + 40)
		// The drag did not count as a click (which would fit the image again).
		expect((await image.boundingBox())!.width).toBeCloseTo(fitted.width * 2, 0)

		await page.keyboard.press('0')
		await expect.poll(async () => (await image.boundingBox())!.width).toBeCloseTo(fitted.width, 0)
		await expect(page.getByTestId('zoom-level')).toHaveText('Fitted')

		// A click zooms in on the picture, another fits it again.
		await image.click()
		await expect
			.poll(async () => (await image.boundingBox())!.width)
			.toBeCloseTo(fitted.width * 2, 0)
		await page.getByRole('button', { name: 'Fit' }).click()
		await expect.poll(async () => (await image.boundingBox())!.width).toBeCloseTo(fitted.width, 0)
	})

	test('timeline, metadata, copyable links and downloads', async ({ page }) => {
		const { middle } = await threeImages(page)
		await page.goto(`/images/${middle}`)
		await untilHydrated(page)

		const timeline = page.getByRole('list', { name: 'Processing stages' })
		const stages = timeline.getByRole('listitem')
		await expect(stages).toHaveCount(3)
		await expect(stages.nth(0)).toContainText('Uploaded')
		await expect(stages.nth(1)).toContainText('Image processing')
		await expect(stages.nth(1)).toContainText(/took \d+(\.\d+)? s/)
		await expect(stages.nth(2)).toContainText('AI analysis')
		await expect(stages.nth(2)).toContainText(/took \d+(\.\d+)? s/)
		for (const index of [0, 1, 2]) {
			const time = stages.nth(index).locator('time').first()
			expect(Date.parse((await time.getAttribute('datetime'))!)).not.toBeNaN()
		}

		const metadata = page.getByTestId('metadata')
		const row = (label: string) => metadata.getByRole('row', { name: label })
		await expect(row('Dimensions')).toContainText('1200 × 900')
		await expect(row('Camera')).toContainText('Pixelworks Phone 9')
		await expect(row('Lens')).toContainText('Wide 26mm f/1.8')
		await expect(row('Exposure')).toContainText('1/125 s')
		await expect(row('Aperture')).toContainText('ƒ/1.8')
		await expect(row('ISO')).toContainText('200')
		await expect(row('Focal length')).toContainText('26 mm')
		const map = metadata.getByRole('link', { name: /52\.36667, 4\.90000/ })
		const href = (await map.getAttribute('href'))!
		expect(href).toContain('openstreetmap.org')
		expect(href).toContain('mlat=52.36666')
		expect(href).toContain('mlon=4.9')

		await expectAccessible(page)
		await expect(page.getByTestId('links-expiry')).toContainText(/Links expire in (1[4-9]|20) min/)

		await page.getByRole('button', { name: 'Copy optimized link' }).click()
		await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible()
		const copied = await page.evaluate(() => navigator.clipboard.readText())
		expect(copied).toBe(await page.locator('a[data-variant="optimized"]').getAttribute('href'))
		const file = await page.request.get(copied)
		expect(file.status()).toBe(200)
		expect(file.headers()['content-type']).toBe('image/webp')

		const downloadHref = await page
			.getByRole('link', { name: 'Download original' })
			.getAttribute('href')
		const original = await page.request.get(downloadHref!)
		expect(original.status()).toBe(200)
		expect(original.headers()['content-type']).toBe('image/jpeg')
		expect(original.headers()['content-disposition']).toMatch(/^attachment/)
		expect((await sharp(await original.body()).metadata()).width).toBe(1200)

		// Clicking it saves the file.
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByRole('link', { name: 'Download thumbnail' }).click(),
		])
		expect(download.suggestedFilename()).toBe('middle-thumbnail.webp')
		expect((await sharp(await download.path()).metadata()).format).toBe('webp')
	})
})

test('the Embed HTML, pasted into another page, shows AVIF in Chromium at the width the layout needs', async ({
	page,
	context,
}) => {
	await register(page)
	const id = await uploadWithSession(page, 'embed.jpg', await cameraPhoto(1200, 900))
	await waitUntilCompleted(page, id)
	await page.goto(`/images/${id}`)
	const html = await page.getByLabel('HTML').inputValue()
	expect(html).toMatch(/^<picture>/)
	expect(html).toContain('width="1200" height="900"')
	expect(html).toContain('loading="lazy"')

	// Another site's page: a blank document given the snippet, 400 CSS px wide at 2× density.
	const other = await context
		.browser()!
		.newPage({ viewport: { width: 400, height: 600 }, deviceScaleFactor: 2 })
	await other.setContent(
		`<!doctype html><body style="margin:0">${html.replace('loading="lazy"', '')}</body>`,
	)
	const img = other.locator('img')
	await expect
		.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth))
		.toBeGreaterThan(0)
	const chosen = await img.evaluate((el: HTMLImageElement) => el.currentSrc)
	// 400 px at 2× wants 800 device pixels: the 1024 px step of the ladder, as AVIF.
	expect(chosen).toMatch(/\/w_1024,f_avif$/)
	const response = await other.request.get(chosen)
	expect(response.headers()['content-type']).toBe('image/avif')
	await other.close()
})

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false })

	test('previous, next and open full size are plain links', async ({ page }) => {
		const { older, middle, newer } = await threeImages(page)
		await page.goto(`/images/${middle}`)
		await expect(page.getByRole('button', { name: 'Zoom in' })).toHaveCount(0)
		await page.getByRole('link', { name: /Previous/ }).click()
		await expect(page).toHaveURL(`/images/${newer}`)
		await page.getByRole('link', { name: /Next/ }).click()
		await expect(page).toHaveURL(`/images/${middle}`)
		await page.getByRole('link', { name: /Next/ }).click()
		await expect(page).toHaveURL(`/images/${older}`)
		await expect(page.getByRole('link', { name: /Next/ })).toHaveCount(0)

		await page.goto(`/images/${middle}`)
		const response = page.waitForResponse((r) => /\/original\.\w+$/.test(new URL(r.url()).pathname))
		await page.getByRole('link', { name: 'Open full size' }).click()
		const original = await response
		expect(original.status()).toBe(200)
		expect(original.headers()['content-type']).toBe('image/jpeg')
	})
})

test('zooming past the optimized copy loads the original', async ({ page }) => {
	await register(page)
	// Larger than OPTIMIZED_MAX_SIZE (2048), so the optimized copy has fewer pixels.
	const id = await uploadWithSession(page, 'wide.jpg', await photo(3000, 2000))
	await waitUntilCompleted(page, id)
	await page.goto(`/images/${id}`)
	await untilHydrated(page)
	const image = page.getByTestId('viewer-image')
	const pixels = () => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)
	await expect.poll(pixels).toBe(2048)

	// Fitted in a 1280 px window, ×2 is still within the optimized copy's 2048 px…
	await page.keyboard.press('+')
	await page.keyboard.press('+')
	const zoomedWidth = async () => (await image.boundingBox())!.width
	expect(await zoomedWidth()).toBeLessThan(2048)
	await expect.poll(pixels).toBe(2048)
	// …×3 goes past it: the original (3000 px) replaces it.
	await page.keyboard.press('+')
	await expect.poll(zoomedWidth).toBeGreaterThan(2048)
	await expect.poll(pixels).toBe(3000)
	await expect(page.getByTestId('zoom-level')).toHaveText(
		`${Math.round(((await zoomedWidth()) / 3000) * 100)}%`,
	)
})
