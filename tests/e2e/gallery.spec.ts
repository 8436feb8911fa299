import { expect, type Locator, type Page, test } from '@playwright/test'
import sharp from 'sharp'
import { expectAccessible, photo, register, untilHydrated } from './support'

// The gallery: multi-upload (drop, file input, plain form), live progress and
// states, keyboard navigation, sorting and filters, bulk actions.

type TestFile = { name: string; mimeType: string; buffer: Buffer }

const jpeg = async (name: string, width = 640, height = 480): Promise<TestFile> => ({
	name,
	mimeType: 'image/jpeg',
	buffer: await photo(width, height),
})

const png = async (name: string): Promise<TestFile> => ({
	name,
	mimeType: 'image/png',
	buffer: await sharp(await photo(320, 240))
		.png()
		.toBuffer(),
})

/** A logo-like PNG: an opaque red left half, a fully transparent right half. */
async function transparentPng(name: string): Promise<TestFile> {
	const width = 320
	const height = 240
	const rgba = Buffer.alloc(width * height * 4)
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width / 2; x++) rgba.set([220, 30, 30, 255], (y * width + x) * 4)
	}
	const buffer = await sharp(rgba, { raw: { width, height, channels: 4 } })
		.png()
		.toBuffer()
	return { name, mimeType: 'image/png', buffer }
}

const notAnImage = (name: string): TestFile => ({
	name,
	mimeType: 'image/jpeg',
	buffer: Buffer.from('these are my notes, not a photo'),
})

const gallery = (page: Page) => page.getByTestId('gallery')
const cards = (page: Page) => gallery(page).getByRole('listitem')
const card = (page: Page, name: string) => cards(page).filter({ hasText: name })
const cardNames = (page: Page) => gallery(page).locator('[data-grid-focus]').allTextContents()

async function expectCompleted(page: Page, names: string[]) {
	for (const name of names) {
		await expect(card(page, name).locator('[data-status]')).toHaveText('completed', {
			timeout: 45_000,
		})
	}
}

/** Drops files on the page as a user dragging them from the desktop would. */
/** After hydration the page listens for drops and pastes; events sent before that are lost. */
async function untilEnhanced(page: Page) {
	await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-enhanced', 'true')
}

async function dropFiles(page: Page, target: Locator, files: TestFile[]) {
	await untilEnhanced(page)
	const dataTransfer = await page.evaluateHandle(
		(list) => {
			const transfer = new DataTransfer()
			for (const file of list) {
				const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))
				transfer.items.add(new File([bytes], file.name, { type: file.mimeType }))
			}
			return transfer
		},
		files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString('base64') })),
	)
	await target.dispatchEvent('dragenter', { dataTransfer })
	await target.dispatchEvent('dragover', { dataTransfer })
	await target.dispatchEvent('drop', { dataTransfer })
}

/** Uploads through the JavaScript queue and waits until every file completed. */
async function uploadAll(page: Page, files: TestFile[]) {
	// Choosing the files starts their upload.
	await page.getByLabel('Image file').setInputFiles(files)
	await expect(page.getByTestId('upload-summary')).toHaveText(
		`${files.length} of ${files.length} uploaded`,
		{ timeout: 30_000 },
	)
	await expectCompleted(
		page,
		files.map((f) => f.name),
	)
	await page.getByRole('button', { name: 'Clear finished' }).click()
}

test.describe('with JavaScript', () => {
	test('three dropped files upload with progress bars and complete without a reload', async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		await expect(page.getByText('No images yet')).toBeVisible()
		await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
		const files = await Promise.all(['one.jpg', 'two.jpg', 'three.jpg'].map((n) => jpeg(n)))
		await dropFiles(page, page.getByTestId('drop-zone'), files)

		const rows = page.getByTestId('upload-row')
		await expect(rows).toHaveCount(3)
		for (const file of files) {
			await expect(page.getByRole('progressbar', { name: file.name })).toBeVisible()
		}
		await expect(page.getByTestId('upload-summary')).toHaveText('3 of 3 uploaded', {
			timeout: 30_000,
		})
		await expect(page.getByRole('status').filter({ hasText: '3 of 3 uploaded' })).toBeVisible()
		await expectCompleted(
			page,
			files.map((f) => f.name),
		)
		await expect(cards(page)).toHaveCount(3)
		// Each finished row links to its image.
		for (const file of files) {
			const row = rows.filter({ hasText: file.name })
			await expect(row.getByRole('link', { name: `Open ${file.name}` })).toBeVisible()
		}
		// The thumbnails carry their size, so the grid does not move as they load.
		const thumb = card(page, 'one.jpg').getByRole('img', { name: 'one.jpg' })
		await expect(thumb).toHaveAttribute('width', '256')
		await expect(thumb).toHaveAttribute('height', '192')
		await expect(thumb).toHaveAttribute('loading', 'lazy')
		expect(await page.evaluate(() => '__sameDocument' in window)).toBe(true)

		await page.getByRole('button', { name: 'Dismiss one.jpg' }).click()
		await expect(rows).toHaveCount(2)
		await page.getByRole('button', { name: 'Clear finished' }).click()
		await expect(rows).toHaveCount(0)
	})

	test('a card shows its ThumbHash while the thumbnail loads, and not through a transparent one after', async ({
		page,
	}) => {
		await register(page)
		await uploadAll(page, [await transparentPng('logo.png')])
		const thumbnail = card(page, 'logo.png').locator('img')
		const placeholderShown = /^url\("data:image\/png;base64,/
		// Loaded in this page (load event), then again before hydration (the effect's check).
		await expect(thumbnail).toHaveCSS('background-image', 'none')
		await page.reload()
		await untilHydrated(page)
		await expect(thumbnail).toHaveCSS('background-image', 'none')

		// A slow network: the thumbnail is held back and the ThumbHash shows in its place.
		let release = () => {}
		const held = new Promise<void>((resolve) => (release = resolve))
		await page.route(/\/thumbnail\.\w+(\?|$)/, async (route) => {
			await held
			await route.continue()
		})
		await page.reload()
		await untilHydrated(page)
		await expect(thumbnail).toHaveCSS('background-image', placeholderShown)
		release()
		await expect
			.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
			.toBeGreaterThan(0)
		await expect(thumbnail).toHaveCSS('background-image', 'none')
	})

	test('a pasted image joins the queue', async ({ page }) => {
		await register(page)
		await untilEnhanced(page)
		const file = await png('clipboard.png')
		await page.evaluate((base64) => {
			const transfer = new DataTransfer()
			const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
			transfer.items.add(new File([bytes], 'clipboard.png', { type: 'image/png' }))
			document.dispatchEvent(
				new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }),
			)
		}, file.buffer.toString('base64'))
		await expect(page.getByTestId('upload-summary')).toHaveText('1 of 1 uploaded')
		await expectCompleted(page, ['clipboard.png'])
	})

	test('no accessibility violations; three columns on a phone', async ({ page }) => {
		await register(page)
		await untilEnhanced(page)
		await uploadAll(page, [await jpeg('a11y-1.jpg')])
		await page.getByLabel('Image file').setInputFiles([notAnImage('a11y-bad.jpg')])
		await expect(page.getByTestId('upload-summary')).toHaveText('0 of 1 uploaded, 1 failed')
		await page.getByRole('checkbox', { name: 'Select a11y-1.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()
		await expect(page.getByRole('dialog', { name: 'Move this image to the trash?' })).toBeVisible()
		await expectAccessible(page)
		await page.keyboard.press('Escape')

		await page.setViewportSize({ width: 375, height: 800 })
		const columns = await gallery(page).evaluate(
			(grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').length,
		)
		expect(columns).toBe(3)
	})

	test('a file over the size limit is refused at once, without sending it; the others go', async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		// The limit the server is started with (playwright.config.ts), said before choosing.
		await expect(page.getByTestId('drop-zone')).toContainText('up to 8 MiB each')
		const uploads: string[] = []
		page.on('request', (request) => {
			if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/images') {
				uploads.push(request.headers()['content-type'] ?? '')
			}
		})
		const huge = {
			name: 'huge.jpg',
			mimeType: 'image/jpeg',
			buffer: Buffer.alloc(8 * 1024 * 1024 + 1),
		}
		await page.getByLabel('Image file').setInputFiles([huge, await jpeg('small.jpg')])
		const refused = page.getByTestId('upload-row').filter({ hasText: 'huge.jpg' })
		await expect(refused).toContainText('The file is larger than the limit of 8 MiB.')
		// Sending it again cannot help: no Retry, only Dismiss.
		await expect(refused.getByRole('button', { name: 'Retry' })).toHaveCount(0)
		await expect(page.getByTestId('upload-summary')).toHaveText('1 of 2 uploaded, 1 failed')
		await expectCompleted(page, ['small.jpg'])
		expect(uploads).toHaveLength(1)
		await refused.getByRole('button', { name: 'Dismiss huge.jpg' }).click()
		await expect(refused).toHaveCount(0)
	})

	test("a file the server refuses shows the server's reason and can be dismissed", async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		await page
			.getByLabel('Image file')
			.setInputFiles([notAnImage('notes.jpg'), await jpeg('fine.jpg')])
		const failed = page.getByTestId('upload-row').filter({ hasText: 'notes.jpg' })
		await expect(failed).toContainText('The file is not a supported image', { timeout: 30_000 })
		await expect(page.getByTestId('upload-summary')).toHaveText('1 of 2 uploaded, 1 failed')
		// Sending the same bytes again cannot help (415): no Retry (upload-results.spec.ts).
		await expect(failed.getByRole('button', { name: 'Retry' })).toHaveCount(0)
		await failed.getByRole('button', { name: 'Dismiss notes.jpg' }).click()
		await expect(failed).toHaveCount(0)
		await expectCompleted(page, ['fine.jpg'])
		await expect(cards(page)).toHaveCount(1)
	})

	test('keyboard only: upload, move between cards with the arrow keys, open with Enter', async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		// Tab from the top of the page to the file input.
		await page.locator('body').focus()
		for (let i = 0; i < 20; i++) {
			await page.keyboard.press('Tab')
			if (await page.evaluate(() => document.activeElement?.id === 'file')) break
		}
		await expect(page.getByLabel('Image file')).toBeFocused()
		const files = await Promise.all(['k1.jpg', 'k2.jpg', 'k3.jpg'].map((n) => jpeg(n)))
		// Choosing starts the upload: there is no second step (and no Upload button) with JavaScript.
		await page.getByLabel('Image file').setInputFiles(files)
		await expect(page.getByRole('button', { name: 'Upload', exact: true })).toHaveCount(0)
		await expectCompleted(
			page,
			files.map((f) => f.name),
		)

		// The three finished in any order; the grid shows them in its order.
		const [first, second, third] = await cardNames(page)
		const link = (name: string) => gallery(page).getByRole('link', { name, exact: true })
		// The grid is one Tab stop: from the filters' last control (the bulk buttons are
		// disabled while nothing is selected), Tab lands on the first card.
		await page.getByText('More filters').focus()
		await page.keyboard.press('Tab')
		await expect(link(first!)).toBeFocused()
		await page.keyboard.press('ArrowRight')
		await expect(link(second!)).toBeFocused()
		await expect(link(second!)).toHaveAttribute('tabindex', '0')
		await expect(link(first!)).toHaveAttribute('tabindex', '-1')
		await page.keyboard.press('End')
		await expect(link(third!)).toBeFocused()
		await page.keyboard.press('Home')
		await expect(link(first!)).toBeFocused()
		await page.keyboard.press('ArrowLeft')
		await expect(link(first!)).toBeFocused()
		// Space selects the focused card.
		await page.keyboard.press('ArrowRight')
		await page.keyboard.press(' ')
		await expect(page.getByRole('checkbox', { name: `Select ${second}` })).toBeChecked()
		await expect(page.getByTestId('selected-count')).toHaveText('1 selected')
		await page.keyboard.press(' ')
		await expect(page.getByRole('checkbox', { name: `Select ${second}` })).not.toBeChecked()
		// The focused card has a visible focus ring.
		const ring = await card(page, second!).evaluate((li) => getComputedStyle(li).boxShadow)
		expect(ring).not.toBe('none')

		await page.keyboard.press('Enter')
		await expect(page).toHaveURL(/\/images\/[0-9a-f-]{36}$/)
		await expect(page.getByRole('heading', { name: second })).toBeVisible()
	})

	test('sort by name, filter by type, then clear the filters', async ({ page }) => {
		await register(page)
		await untilEnhanced(page)
		// One at a time, so "newest first" is a known order that differs from the name order.
		for (const file of [
			await jpeg('b-middle.jpg'),
			await png('c-last.png'),
			await jpeg('a-first.jpg'),
		]) {
			await uploadAll(page, [file])
		}
		await expect.poll(() => cardNames(page)).toEqual(['a-first.jpg', 'c-last.png', 'b-middle.jpg'])

		await page.getByLabel('Sort').selectOption('name')
		await page.getByRole('button', { name: 'Apply' }).click()
		await expect(page).toHaveURL(/sort=name/)
		await expect.poll(() => cardNames(page)).toEqual(['a-first.jpg', 'b-middle.jpg', 'c-last.png'])

		// Type is among the filters folded under "More filters" until one is in use.
		await expect(page.getByLabel('Type')).toBeHidden()
		await page.getByText('More filters').click()
		await page.getByLabel('Type').selectOption('png')
		await page.getByRole('button', { name: 'Apply' }).click()
		await expect.poll(() => cardNames(page)).toEqual(['c-last.png'])

		await page.getByLabel('Type').selectOption('gif')
		await page.getByRole('button', { name: 'Apply' }).click()
		await expect(page.getByText('No images match these filters.')).toBeVisible()
		await page.getByRole('link', { name: 'Clear filters' }).first().click()
		await expect.poll(() => cardNames(page)).toEqual(['a-first.jpg', 'b-middle.jpg', 'c-last.png'])
	})

	test('select two images and move them to the trash after confirming; re-process another', async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		await uploadAll(page, [
			await jpeg('keep.jpg'),
			await jpeg('drop-1.jpg'),
			await jpeg('drop-2.jpg'),
		])
		await page.getByRole('checkbox', { name: 'Select drop-1.jpg' }).check()
		await page.getByRole('checkbox', { name: 'Select drop-2.jpg' }).check()
		await expect(page.getByTestId('selected-count')).toHaveText('2 selected')
		await page.getByRole('button', { name: 'Delete selected' }).click()
		const confirm = page.getByRole('button', { name: 'Move to trash' })
		await expect(confirm).toBeFocused()
		await confirm.click()
		await expect(
			page.getByRole('status').filter({ hasText: 'Moved 2 images to the trash.' }),
		).toBeVisible()
		await expect.poll(() => cardNames(page)).toEqual(['keep.jpg'])
		await page.reload()
		expect(await cardNames(page)).toEqual(['keep.jpg'])
		await page.getByRole('link', { name: 'Dismiss' }).click()

		// Re-process runs the stages again: the card goes back through processing to completed.
		await page.getByRole('checkbox', { name: 'Select keep.jpg' }).check()
		await page.getByRole('button', { name: 'Re-process selected' }).click()
		await expect(
			page.getByRole('status').filter({ hasText: 'Processing 1 image again.' }),
		).toBeVisible()
		await expectCompleted(page, ['keep.jpg'])
	})
})

test.describe('with JavaScript disabled', () => {
	test.use({ javaScriptEnabled: false })

	test('the plain form uploads two files; bulk delete asks, then deletes', async ({ page }) => {
		await register(page)
		await page
			.getByLabel('Image file')
			.setInputFiles([await jpeg('plain-1.jpg'), await png('plain-2.png')])
		await page.getByRole('button', { name: 'Upload' }).click()
		await expect(page).toHaveURL(/\/images$/)
		await expect(cards(page)).toHaveCount(2)
		await expect(gallery(page)).toContainText('plain-1.jpg')
		await expect(gallery(page)).toContainText('plain-2.png')

		await page.getByRole('checkbox', { name: 'Select plain-1.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()
		await expect(page.getByTestId('confirm-delete')).toContainText('Move this image to the trash?')
		// Nothing is gone until confirmed.
		await page.goto('/images')
		await expect(cards(page)).toHaveCount(2)
		await page.getByRole('checkbox', { name: 'Select plain-1.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()
		await page.getByRole('button', { name: 'Move to trash' }).click()
		await expect(page.getByText('Moved 1 image to the trash.')).toBeVisible()
		await expect(cards(page)).toHaveCount(1)
		await expect(gallery(page)).toContainText('plain-2.png')
	})

	test('a refused file among several gets its own reason; the others are kept', async ({
		page,
	}) => {
		await register(page)
		await page
			.getByLabel('Image file')
			.setInputFiles([await jpeg('good.jpg'), notAnImage('bad.jpg')])
		await page.getByRole('button', { name: 'Upload' }).click()
		await expect(page.getByRole('heading', { name: 'Refused (1)' })).toBeVisible()
		await expect(page.getByTestId('upload-refused').getByRole('listitem')).toHaveText(
			/^bad\.jpg: .*not a supported image/,
		)
		await expect(page.getByRole('heading', { name: 'Stored (1)' })).toBeVisible()
		await expect(page.getByTestId('upload-stored').getByRole('listitem')).toHaveText('good.jpg')
		await expect(cards(page)).toHaveCount(1)
	})
})
