import fs from 'node:fs/promises'
import { expect, type Page, test } from '@playwright/test'
import sharp from 'sharp'
import { expectAccessible, register, uploadWithSession, waitUntilCompleted } from './support'

// The Duplicates page with and without JavaScript: a real photo
// (tests/fixtures), a re-encoded copy of it and a different photo; the page
// groups the first two, suggests the original, and one form sends the copy
// to the Trash.

const fixture = (name: string) => fs.readFile(new URL(`../fixtures/${name}`, import.meta.url))

const groups = (page: Page) => page.getByTestId('duplicate-group')

for (const javaScriptEnabled of [true, false]) {
	test(`the Duplicates page shows a group side by side and resolves it (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const context = await browser.newContext({ javaScriptEnabled })
		const page = await context.newPage()
		try {
			await register(page)
			const photo = await fixture('grace-hopper.jpg')
			const ids = [
				await uploadWithSession(page, 'hopper.jpg', photo),
				await uploadWithSession(
					page,
					'hopper-copy.jpg',
					await sharp(photo).jpeg({ quality: 60 }).toBuffer(),
				),
				await uploadWithSession(page, 'board.jpg', await fixture('board.jpg')),
			]
			for (const id of ids) await waitUntilCompleted(page, id)

			await page
				.getByRole('navigation', { name: 'Main' })
				.getByRole('link', { name: 'Duplicates' })
				.click()
			await expect(page.getByRole('heading', { level: 1, name: /Duplicates/ })).toBeVisible()
			await expect(groups(page)).toHaveCount(1)
			const group = groups(page).first()
			await expect(group.getByRole('heading', { name: 'Group 1: 2 images' })).toBeVisible()
			const cards = group.getByTestId('duplicate-image')
			// The original first, suggested: same pixels as the copy, more bytes.
			await expect(cards.first()).toContainText('hopper.jpg')
			await expect(cards.first()).toContainText('512×600')
			await expect(cards.first()).toContainText('Suggested: keep')
			await expect(cards.nth(1)).toContainText('hopper-copy.jpg')
			await expect(cards.nth(1)).not.toContainText('Suggested')
			await expect(page.getByText('board.jpg')).toHaveCount(0)
			// axe runs as a script in the page: only where scripts run, as in the other specs.
			if (javaScriptEnabled) await expectAccessible(page, 'duplicates')

			await group
				.getByRole('button', { name: 'Keep this, move the others to Trash (hopper.jpg)' })
				.click()
			await expect(page.getByRole('status')).toHaveText('Moved 1 image to the Trash.')
			await expect(page.getByText('No duplicates: none of your images look alike.')).toBeVisible()
			await expect(groups(page)).toHaveCount(0)
			if (javaScriptEnabled) await expectAccessible(page, 'duplicates, none left')

			await page.getByRole('link', { name: 'Trash', exact: true }).first().click()
			await expect(page.getByTestId('trash-item')).toHaveCount(1)
			await expect(page.getByTestId('trash-item')).toContainText('hopper-copy.jpg')
		} finally {
			await context.close()
		}
	})
}

test('"Resolve all as suggested" keeps the suggested image of every group', async ({ page }) => {
	await register(page)
	const photo = await fixture('grace-hopper.jpg')
	const board = await fixture('board.jpg')
	const ids = [
		await uploadWithSession(page, 'hopper.jpg', photo),
		await uploadWithSession(page, 'hopper-small.jpg', await sharp(photo).resize(256).toBuffer()),
		await uploadWithSession(page, 'board.jpg', board),
		await uploadWithSession(page, 'board-again.jpg', board),
	]
	for (const id of ids) await waitUntilCompleted(page, id)
	await page.goto('/duplicates')
	await expect(groups(page)).toHaveCount(2)
	await page.getByRole('button', { name: 'Resolve all as suggested (2 images to Trash)' }).click()
	await expect(page.getByRole('status')).toHaveText('Moved 2 images to the Trash.')
	await page.goto('/images')
	await expect(page.getByTestId('gallery')).toContainText('hopper.jpg')
	await expect(page.getByTestId('gallery')).toContainText('board.jpg')
	await expect(page.getByTestId('gallery')).not.toContainText('hopper-small.jpg')
	await expect(page.getByTestId('gallery')).not.toContainText('board-again.jpg')
})
