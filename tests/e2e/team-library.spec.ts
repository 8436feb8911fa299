import { randomUUID } from 'node:crypto'
import { type Browser, expect, type Page, test } from '@playwright/test'
import {
	expectAccessible,
	photo,
	register,
	untilHydrated,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// The shared team library (decision 022): an owner shares from the detail
// page and in bulk, with JavaScript and without; another member finds the
// images in the Team view with the owner's badge, and no way to change them.

const gallery = (page: Page) => page.getByTestId('gallery')
const card = (page: Page, name: string) =>
	gallery(page).getByRole('listitem').filter({ hasText: name })

/** Signs up, stores `names` (made unique to this test) and opens the gallery. */
async function ownerWith(page: Page, names: string[]) {
	const email = await register(page)
	const bytes = await photo(320, 240)
	const tag = randomUUID().slice(0, 8)
	const files = names.map((name) => `${tag}-${name}`)
	const ids: string[] = []
	for (const file of files) ids.push(await uploadWithSession(page, file, bytes))
	for (const id of ids) await waitUntilCompleted(page, id)
	await page.goto('/images')
	return { email, files, ids }
}

/** Another member, in a browser of their own. */
async function otherMember(browser: Browser, javaScriptEnabled: boolean) {
	const context = await browser.newContext({ javaScriptEnabled })
	const page = await context.newPage()
	await register(page)
	return { page, close: () => context.close() }
}

/** What a member who does not own it sees of a shared image: the owner, and no way to change it. */
async function expectReadOnly(page: Page, name: string, ownerEmail: string) {
	await page.goto('/images?scope=team')
	await expect(page.getByRole('heading', { name: /Team library/ })).toBeVisible()
	await expect(page.getByRole('link', { name: 'Mine', exact: true }).first()).toBeVisible()
	await expect(card(page, name).getByTestId('owner-badge')).toHaveText(ownerEmail)
	await expect(card(page, name).getByRole('checkbox')).toHaveCount(0)
	await card(page, name).getByRole('link', { name }).click()
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
	await expect(page.getByTestId('image-owner')).toHaveText(ownerEmail)
	await expect(page.getByTestId('image-visibility')).toHaveText('Everyone on the team')
	for (const button of ['Delete', 'Process again', 'Share with team', 'Make private']) {
		await expect(page.getByRole('button', { name: button, exact: true })).toHaveCount(0)
	}
}

for (const javaScriptEnabled of [true, false]) {
	test.describe(javaScriptEnabled ? 'with JavaScript' : 'without JavaScript', () => {
		test.use({ javaScriptEnabled })

		test('shares from the detail page and in bulk; another member sees them read-only', async ({
			page,
			browser,
		}) => {
			const { email, files, ids } = await ownerWith(page, ['alone.jpg', 'bulk.jpg', 'kept.jpg'])
			const [alone, bulk, kept] = files as [string, string, string]

			await page.goto(`/images/${ids[0]}`)
			await untilHydrated(page)
			await expect(page.getByTestId('image-visibility')).toHaveText('Only its owner')
			await page.getByRole('button', { name: 'Share with team' }).click()
			await expect(page.getByTestId('image-visibility')).toHaveText('Everyone on the team')
			await expect(page.getByTestId('image-owner')).toHaveText(`You (${email})`)

			await page.goto('/images')
			await untilHydrated(page)
			await expect(card(page, alone).getByTestId('shared-badge')).toHaveText('Shared')
			await page.getByRole('checkbox', { name: `Select ${bulk}` }).check()
			await page.getByRole('button', { name: 'Share with team' }).click()
			await expect(page.getByText('Shared 1 image with the team.')).toBeVisible()
			await expect(card(page, bulk).getByTestId('shared-badge')).toBeVisible()
			await expect(card(page, kept).getByTestId('shared-badge')).toHaveCount(0)

			const other = await otherMember(browser, javaScriptEnabled)
			try {
				await expectReadOnly(other.page, alone, email)
				await expectReadOnly(other.page, bulk, email)
				await other.page.goto('/images?scope=team')
				await expect(card(other.page, kept)).toHaveCount(0)
				// A private image is not there for them at all.
				const hidden = await other.page.goto(`/images/${ids[2]}`)
				expect(hidden?.status()).toBe(404)

				// Made private again: gone from the Team view.
				await page.getByRole('checkbox', { name: `Select ${bulk}` }).check()
				await page.getByRole('button', { name: 'Make private' }).click()
				await expect(page.getByText('Made 1 image private.')).toBeVisible()
				await other.page.goto('/images?scope=team')
				await expect(card(other.page, alone)).toHaveCount(1)
				await expect(card(other.page, bulk)).toHaveCount(0)
			} finally {
				await other.close()
			}
		})
	})
}

test('the Team view passes axe in both themes', async ({ page, browser }) => {
	test.slow()
	const { files } = await ownerWith(page, ['axe.jpg'])
	await page.getByRole('checkbox', { name: `Select ${files[0]}` }).check()
	await page.getByRole('button', { name: 'Share with team' }).click()
	await expect(page.getByText('Shared 1 image with the team.')).toBeVisible()
	const other = await otherMember(browser, true)
	try {
		for (const colorScheme of ['light', 'dark'] as const) {
			await other.page.emulateMedia({ colorScheme })
			await other.page.goto('/images?scope=team')
			await expect(card(other.page, files[0]!).getByTestId('owner-badge')).toBeVisible()
			await expectAccessible(other.page, `team view, ${colorScheme}`)
		}
	} finally {
		await other.close()
	}
})
