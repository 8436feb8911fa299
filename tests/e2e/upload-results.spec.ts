import { expect, type Locator, type Page, test } from '@playwright/test'
import { chooseFiles, expectAccessible, photo, register } from './support'

// What an upload's result tells the user: each row matches its file (the
// file's own thumbnail, its whole name), Retry appears only where sending
// again can help, failures are red, and the plain form's result page keeps
// what was stored apart from what was refused.

type TestFile = { name: string; mimeType: string; buffer: Buffer }

const jpeg = async (name: string): Promise<TestFile> => ({
	name,
	mimeType: 'image/jpeg',
	buffer: await photo(),
})
const notAnImage = (name: string): TestFile => ({
	name,
	mimeType: 'image/jpeg',
	buffer: Buffer.from('these are my notes, not a photo'),
})
/** A JPEG cut off after its first 2 kB, as an interrupted copy leaves it. */
const truncated = async (name: string): Promise<TestFile> => ({
	name,
	mimeType: 'image/jpeg',
	buffer: (await photo()).subarray(0, 2048),
})

const row = (page: Page, name: string) => page.getByTestId('upload-row').filter({ hasText: name })

async function untilEnhanced(page: Page) {
	await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-enhanced', 'true')
}

/** The element's border colour as RGB (the theme's colours are oklch()). */
function borderRgb(locator: Locator) {
	return locator.evaluate((element) => {
		const context = document.createElement('canvas').getContext('2d')!
		context.fillStyle = getComputedStyle(element).borderTopColor
		context.fillRect(0, 0, 1, 1)
		const [r, g, b] = context.getImageData(0, 0, 1, 1).data
		return { r: r!, g: g!, b: b! }
	})
}

const isRed = ({ r, g, b }: { r: number; g: number; b: number }) => r - g > 40 && r - b > 40

test.describe('with JavaScript', () => {
	test("a row shows the file's own thumbnail and its whole name, wrapped on a phone", async ({
		page,
	}) => {
		await page.setViewportSize({ width: 390, height: 844 })
		await register(page)
		await untilEnhanced(page)
		const name =
			'IMG_20261205_071542_harbour-walk-at-dawn-with-the-old-lighthouse-and-the-fishing-boats-final-edit-v2.jpg'
		await chooseFiles(page, [await jpeg(name)])
		const upload = row(page, name)
		await expect(upload).toHaveAttribute('data-state', 'uploaded', { timeout: 30_000 })

		// The local file itself, decoded by the browser.
		const thumbnail = upload.getByTestId('upload-thumbnail')
		const src = (await thumbnail.getAttribute('src'))!
		expect(src).toMatch(/^blob:/)
		await expect
			.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth))
			.toBe(640)

		// All of the name, on several lines, inside the row and the screen.
		const label = upload.getByTestId('upload-name')
		await expect(label).toHaveText(name)
		const fit = await label.evaluate((element) => ({
			clipped: element.scrollWidth > element.clientWidth,
			lines:
				element.getBoundingClientRect().height / parseFloat(getComputedStyle(element).lineHeight),
		}))
		expect(fit.clipped).toBe(false)
		expect(fit.lines).toBeGreaterThanOrEqual(2)
		const box = (await upload.boundingBox())!
		expect(box.x + box.width).toBeLessThanOrEqual(390)

		// The object URL is freed with its row (an image load, as the page's CSP allows).
		const readable = () =>
			page.evaluate(
				(url) =>
					new Promise<boolean>((resolve) => {
						const probe = new Image()
						probe.onload = () => resolve(true)
						probe.onerror = () => resolve(false)
						probe.src = url
					}),
				src,
			)
		expect(await readable()).toBe(true)
		await upload.getByRole('button', { name: `Dismiss ${name}` }).click()
		await expect(upload).toHaveCount(0)
		expect(await readable()).toBe(false)
	})

	test('Retry only where sending again can help; failed rows are red, without a progress bar', async ({
		page,
	}) => {
		await register(page)
		await untilEnhanced(page)
		// The next upload's answer, made up at the network; undefined lets it reach the server.
		let nextAnswer: number | 'network' | undefined
		await page.route('**/api/images', async (route) => {
			const answer = nextAnswer
			nextAnswer = undefined
			if (route.request().method() !== 'POST' || answer === undefined) return route.continue()
			if (answer === 'network') return route.abort('connectionreset')
			await route.fulfill({
				status: answer,
				contentType: 'application/problem+json',
				headers: answer === 429 ? { 'Retry-After': '1' } : {},
				body: JSON.stringify({
					type: 'about:blank',
					title: `HTTP ${answer}`,
					status: answer,
					detail: `The server answered ${answer}.`,
				}),
			})
		})
		const uploadOne = async (file: TestFile, answer?: typeof nextAnswer) => {
			nextAnswer = answer
			await chooseFiles(page, [file])
			await expect(row(page, file.name)).toHaveAttribute('data-state', /uploaded|failed/, {
				timeout: 30_000,
			})
		}
		await uploadOne(await jpeg('busy.jpg'), 503)
		await uploadOne(await jpeg('limited.jpg'), 429)
		await uploadOne(await jpeg('offline.jpg'), 'network')
		await uploadOne(await jpeg('over-proxy-limit.jpg'), 413)
		await uploadOne(notAnImage('notes.jpg'))
		await uploadOne(await truncated('cut.jpg'))
		await uploadOne(await jpeg('fine.jpg'))

		const retryable = ['busy.jpg', 'limited.jpg', 'offline.jpg']
		const final = ['over-proxy-limit.jpg', 'notes.jpg', 'cut.jpg']
		for (const name of [...retryable, ...final]) {
			const failed = row(page, name)
			await expect(failed, name).toHaveAttribute('data-state', 'failed')
			await expect(failed.getByRole('alert'), name).not.toBeEmpty()
			await expect(failed.getByRole('progressbar'), name).toHaveCount(0)
			expect(isRed(await borderRgb(failed)), name).toBe(true)
			await expect(failed.getByRole('button', { name: 'Retry' }), name).toHaveCount(
				retryable.includes(name) ? 1 : 0,
			)
		}
		// The server's own reasons for what it refused.
		await expect(row(page, 'notes.jpg')).toContainText('not a supported image')
		await expect(row(page, 'cut.jpg').getByRole('alert')).not.toContainText('HTTP')

		const fine = row(page, 'fine.jpg')
		await expect(fine).toHaveAttribute('data-state', 'uploaded')
		await expect(fine.getByRole('button', { name: 'Retry' })).toHaveCount(0)
		expect(isRed(await borderRgb(fine))).toBe(false)
		const bar = fine.getByRole('progressbar', { name: 'fine.jpg' })
		expect(await bar.evaluate((p: HTMLProgressElement) => p.value === p.max)).toBe(true)

		// Red rows keep their text readable, in both themes.
		await expectAccessible(page, 'upload rows, light')
		await page.emulateMedia({ colorScheme: 'dark' })
		await expectAccessible(page, 'upload rows, dark')

		// Retry helps where offered: the file is sent again and stored once.
		await row(page, 'busy.jpg').getByRole('button', { name: 'Retry busy.jpg' }).click()
		await expect(row(page, 'busy.jpg')).toHaveAttribute('data-state', 'uploaded')
		await row(page, 'offline.jpg').getByRole('button', { name: 'Retry offline.jpg' }).click()
		await expect(row(page, 'offline.jpg')).toHaveAttribute('data-state', 'uploaded')
		await expect(row(page, 'busy.jpg').getByRole('link', { name: 'Open busy.jpg' })).toBeVisible()
		await expect(page.getByTestId('upload-summary')).toHaveText('3 of 7 uploaded, 4 failed')
		const list = await page.request.get('/api/images')
		const names = ((await list.json()) as { items: { filename: string }[] }).items
			.map((item) => item.filename)
			.sort()
		expect(names).toEqual(['busy.jpg', 'fine.jpg', 'offline.jpg'])
	})
})

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false })

	test('the result page lists what was stored apart from what was refused, with reasons', async ({
		page,
	}) => {
		await register(page)
		await chooseFiles(page, [
			await jpeg('kept-1.jpg'),
			notAnImage('notes.jpg'),
			await jpeg('kept-2.jpg'),
			await truncated('cut.jpg'),
		])
		await expect(page.getByRole('heading', { name: 'Stored (2)' })).toBeVisible()
		await expect(page.getByRole('heading', { name: 'Refused (2)' })).toBeVisible()
		const stored = page.getByTestId('upload-stored').getByRole('listitem')
		await expect(stored).toHaveText(['kept-1.jpg', 'kept-2.jpg'])
		const refused = page.getByTestId('upload-refused').getByRole('listitem')
		await expect(refused).toHaveCount(2)
		await expect(refused.filter({ hasText: 'notes.jpg' })).toContainText('not a supported image')
		await expect(refused.filter({ hasText: 'cut.jpg' })).toHaveText(/^cut\.jpg: \S.+/)
		// The refused files are in the red alert, the stored ones are not.
		const alert = page.getByRole('alert')
		await expect(alert).toContainText('notes.jpg')
		await expect(alert).not.toContainText('kept-1.jpg')

		// Each stored file opens its page.
		await stored.getByRole('link', { name: 'kept-2.jpg' }).click()
		await expect(page.getByRole('heading', { name: 'kept-2.jpg' })).toBeVisible()
	})

	test('when every file is refused there is no Stored list', async ({ page }) => {
		await register(page)
		await chooseFiles(page, [notAnImage('notes.jpg')])
		await expect(page.getByRole('heading', { name: 'Refused (1)' })).toBeVisible()
		await expect(page.getByRole('heading', { name: /^Stored/ })).toHaveCount(0)
		await expect(page.getByText('No images yet')).toBeVisible()
	})
})
