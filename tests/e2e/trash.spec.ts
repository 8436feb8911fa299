import { expect, type Page, test } from '@playwright/test'
import {
	expectAccessible,
	photo,
	register,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// The trash and the one delete pattern: a dialog with JavaScript, a
// confirmation page without; then an Undo notice that stays until dismissed;
// the Trash page restores and empties.

const gallery = (page: Page) => page.getByTestId('gallery')
const cardNames = (page: Page) => gallery(page).locator('[data-grid-focus]').allTextContents()
const undoNotice = (page: Page) => page.getByTestId('undo-notice')
const trashItems = (page: Page) => page.getByTestId('trash-item')

/** Signs up, stores `names` through the API and opens the gallery with them processed. */
async function withImages(page: Page, names: string[]) {
	await register(page)
	const bytes = await photo(320, 240)
	const ids: Record<string, string> = {}
	for (const name of names) ids[name] = await uploadWithSession(page, name, bytes)
	for (const id of Object.values(ids)) await waitUntilCompleted(page, id)
	await page.goto('/images')
	return ids
}

async function deleteWithApi(page: Page, id: string) {
	const response = await page.request.delete(`/api/images/${id}`, {
		headers: { Origin: new URL(page.url()).origin },
	})
	expect(response.status()).toBe(204)
}

test.describe('with JavaScript', () => {
	test('bulk delete asks in a dialog, then Undo stays until used and restores', async ({
		page,
	}) => {
		await withImages(page, ['keep.jpg', 'drop-1.jpg', 'drop-2.jpg'])
		await untilHydrated(page)
		await page.getByRole('checkbox', { name: 'Select drop-1.jpg' }).check()
		await page.getByRole('checkbox', { name: 'Select drop-2.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()

		const dialog = page.getByRole('dialog', { name: 'Move 2 images to the trash?' })
		await expect(dialog).toBeVisible()
		// Cancel keeps everything.
		await dialog.getByRole('button', { name: 'Cancel' }).click()
		await expect(dialog).toBeHidden()
		await expect.poll(() => cardNames(page)).toHaveLength(3)

		await page.getByRole('button', { name: 'Delete selected' }).click()
		const confirm = dialog.getByRole('button', { name: 'Move to trash' })
		await expect(confirm).toBeFocused()
		await confirm.click()
		await expect(undoNotice(page)).toContainText('Moved 2 images to the trash.')
		await expect.poll(() => cardNames(page)).toEqual(['keep.jpg'])
		// The notice stays until dismissed: a reload keeps it.
		await page.reload()
		await expect(undoNotice(page)).toBeVisible()

		await undoNotice(page).getByRole('button', { name: 'Undo' }).click()
		await expect(undoNotice(page)).toBeHidden()
		await expect
			.poll(async () => (await cardNames(page)).sort())
			.toEqual(['drop-1.jpg', 'drop-2.jpg', 'keep.jpg'])
		await expect(page).toHaveURL(/\/images$/)
	})

	test('the detail page deletes through the same dialog; Dismiss hides the notice', async ({
		page,
	}) => {
		await withImages(page, ['detail.jpg'])
		// Opened from a search: Undo and Dismiss come back to that list.
		await page.goto('/images?q=detail')
		await gallery(page)
			.getByRole('link', { name: /detail\.jpg/ })
			.first()
			.click()
		await expect(page.getByRole('heading', { name: 'detail.jpg' })).toBeVisible()
		await untilHydrated(page)
		await page.getByRole('button', { name: 'Delete', exact: true }).click()
		const dialog = page.getByRole('dialog', { name: 'Move this image to the trash?' })
		await dialog.getByRole('button', { name: 'Move to trash' }).click()
		await expect(page).toHaveURL(/\/images\?q=detail&undo=/)
		await expect(undoNotice(page)).toContainText('Moved 1 image to the trash.')
		await expect(gallery(page)).toHaveCount(0)

		await undoNotice(page).getByRole('link', { name: 'Dismiss' }).click()
		await expect(undoNotice(page)).toBeHidden()
		await expect(page).toHaveURL(/\/images\?q=detail$/)
		await page.getByRole('link', { name: 'Trash' }).click()
		await expect(trashItems(page)).toHaveCount(1)
		await expect(trashItems(page)).toContainText('detail.jpg')
	})

	test('the Trash page restores one image and empties the rest after a dialog', async ({
		page,
	}) => {
		const ids = await withImages(page, ['back.jpg', 'gone-1.jpg', 'gone-2.jpg'])
		for (const id of Object.values(ids)) await deleteWithApi(page, id)
		await page.goto('/trash')
		await untilHydrated(page)
		await expect(trashItems(page)).toHaveCount(3)
		// The thumbnail is signed at its trash key, so it still shows here.
		const thumbnail = trashItems(page).first().locator('img')
		await expect
			.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth))
			.toBeGreaterThan(0)
		await expectAccessible(page, 'trash page')

		await page.getByRole('button', { name: 'Restore back.jpg' }).click()
		await expect(page.getByRole('status').filter({ hasText: 'Restored 1 image' })).toBeVisible()
		await expect(trashItems(page)).toHaveCount(2)

		await page.getByRole('button', { name: 'Empty trash' }).click()
		const dialog = page.getByRole('dialog', { name: 'Empty the trash?' })
		await expectAccessible(page, 'empty trash dialog')
		await dialog.getByRole('button', { name: 'Empty trash' }).click()
		await expect(page.getByText('Removed 2 images for good.')).toBeVisible()
		await expect(page.getByText('The trash is empty.')).toBeVisible()
		await page.goto('/images')
		await expect.poll(() => cardNames(page)).toEqual(['back.jpg'])
	})
})

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false })

	test('bulk delete goes through a confirmation page; Undo restores', async ({ page }) => {
		await withImages(page, ['plain-keep.jpg', 'plain-drop.jpg'])
		await page.getByRole('checkbox', { name: 'Select plain-drop.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()
		await expect(page).toHaveURL(/\/images\/delete\?/)
		const confirm = page.getByTestId('confirm-delete')
		await expect(
			confirm.getByRole('heading', { name: 'Move this image to the trash?' }),
		).toBeVisible()
		await expect(confirm).toContainText('plain-drop.jpg')
		// Cancel goes back with nothing deleted.
		await confirm.getByRole('link', { name: 'Cancel' }).click()
		await expect(gallery(page).getByRole('listitem')).toHaveCount(2)

		await page.getByRole('checkbox', { name: 'Select plain-drop.jpg' }).check()
		await page.getByRole('button', { name: 'Delete selected' }).click()
		await page.getByRole('button', { name: 'Move to trash' }).click()
		await expect(undoNotice(page)).toContainText('Moved 1 image to the trash.')
		await expect(gallery(page).getByRole('listitem')).toHaveCount(1)
		await undoNotice(page).getByRole('button', { name: 'Undo' }).click()
		await expect(undoNotice(page)).toHaveCount(0)
		await expect(gallery(page).getByRole('listitem')).toHaveCount(2)
	})

	test('the detail page’s Delete asks on its own page', async ({ page }) => {
		const ids = await withImages(page, ['plain-detail.jpg'])
		await page.goto(`/images/${ids['plain-detail.jpg']}`)
		await page.getByRole('button', { name: 'Delete', exact: true }).click()
		await expect(page.getByTestId('confirm-delete')).toContainText('plain-detail.jpg')
		await page.getByRole('button', { name: 'Move to trash' }).click()
		await expect(undoNotice(page)).toContainText('Moved 1 image to the trash.')
		await expect(page.getByTestId('gallery')).toHaveCount(0)
	})

	test('the Trash page restores, and empties after a confirmation', async ({ page }) => {
		const ids = await withImages(page, ['plain-back.jpg', 'plain-gone.jpg'])
		for (const id of Object.values(ids)) await deleteWithApi(page, id)
		await page.goto('/trash')
		await expect(trashItems(page)).toHaveCount(2)
		await page.getByRole('button', { name: 'Restore plain-back.jpg' }).click()
		await expect(page.getByRole('status').filter({ hasText: 'Restored 1 image' })).toBeVisible()
		await expect(trashItems(page)).toHaveCount(1)

		await page.getByRole('button', { name: 'Empty trash' }).click()
		await expect(page).toHaveURL(/confirm=empty/)
		// Nothing is gone until confirmed.
		await expect(trashItems(page)).toHaveCount(1)
		await page.getByTestId('confirm-empty').getByRole('button', { name: 'Empty trash' }).click()
		await expect(page.getByText('Removed 1 image for good.')).toBeVisible()
		await expect(page.getByText('The trash is empty.')).toBeVisible()
	})
})
