import { expect, type Page, test } from '@playwright/test'
import {
	expectAccessible,
	grantAdmin,
	password,
	photo,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// Every page, in both themes, through axe-core: no serious or critical
// violations of WCAG 2.1 A/AA. Minor and moderate findings are attached to the
// report for reading, not failed on.

/** A webhook card in its disabled state (reason, Enable, Edit) on the settings page. */
async function addDisabledWebhook(page: Page) {
	const headers = { Origin: new URL(page.url()).origin }
	const created = await page.request.post('/api/webhooks', {
		headers,
		data: { url: 'http://127.0.0.1:9/a11y-hook', description: 'Checked by axe' },
	})
	expect(created.status()).toBe(201)
	const { webhook } = (await created.json()) as { webhook: { id: string } }
	const disabled = await page.request.patch(`/api/webhooks/${webhook.id}`, {
		headers,
		data: { enabled: false },
	})
	expect(disabled.status()).toBe(200)
}

async function registerAs(page: Page, email: string) {
	await page.goto('/register')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel(/Password/).fill(password)
	await page.getByRole('button', { name: 'Create account' }).click()
	await expect(page).toHaveURL(/\/images$/)
}

for (const colorScheme of ['light', 'dark'] as const) {
	test.describe(`${colorScheme} theme`, () => {
		test.use({ colorScheme })

		test('signed-out pages pass axe', async ({ page }) => {
			for (const path of ['/', '/login', '/register', '/api/docs']) {
				await page.goto(path)
				await expectAccessible(page, `${colorScheme} ${path}`)
			}
		})

		test('signed-in pages pass axe, empty and with images', async ({ page }) => {
			const email = `a11y-${colorScheme}@e2e.test`
			await registerAs(page, email)
			// An admin, so the jobs page is checked too.
			await grantAdmin(email)
			await expectAccessible(page, `${colorScheme} empty gallery`)
			const ids = [
				await uploadWithSession(page, 'harbour.jpg', await photo()),
				await uploadWithSession(page, 'station.jpg', await photo()),
			]
			for (const id of ids) await waitUntilCompleted(page, id)
			await addDisabledWebhook(page)
			for (const path of [
				'/images',
				`/images/${ids[0]}`,
				'/usage',
				'/settings/tokens',
				'/settings/webhooks',
				'/settings/sessions',
				'/settings/password',
				'/admin/jobs',
				'/images?q=nothing-matches-this',
			]) {
				await page.goto(path)
				await expect(page.locator('main')).toBeVisible()
				await expectAccessible(page, `${colorScheme} ${path}`)
			}
		})
	})
}
