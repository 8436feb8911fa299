import { expect, type Page, test } from '@playwright/test'
import {
	expectAccessible,
	grantAdmin,
	password,
	photo,
	uploadWithSession,
	waitUntilCompleted,
} from './support'

// Every page, in both themes, on a phone (390 px) and a desktop, through
// axe-core: no violations of WCAG 2.1 A/AA of any impact. The theme follows
// the system's (light-dark() in the CSS), so each page, once loaded, is
// checked light and then dark.

// The four tests are independent (own accounts): both test workers may share them.
test.describe.configure({ mode: 'parallel' })

const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } }

/**
 * A webhook card in its disabled state (reason, Enable, Edit) on the settings
 * page, with a delivery in its log (the table that must scroll on a phone).
 */
async function addDisabledWebhook(page: Page) {
	const headers = { Origin: new URL(page.url()).origin }
	const created = await page.request.post('/api/webhooks', {
		headers,
		data: { url: 'http://127.0.0.1:9/a11y-hook', description: 'Checked by axe' },
	})
	expect(created.status()).toBe(201)
	const { webhook } = (await created.json()) as { webhook: { id: string } }
	const tested = await page.request.post(`/api/webhooks/${webhook.id}/test`, { headers })
	expect(tested.status()).toBe(202)
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

/** The page as it is now, in the light theme and then the dark one. */
async function expectAccessibleInBothThemes(page: Page, name: string) {
	for (const colorScheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme })
		await expectAccessible(page, `${name} ${colorScheme}`)
	}
}

for (const [screen, viewport] of Object.entries(viewports)) {
	test.describe(screen, () => {
		test.use({ viewport })
		const name = (what: string) => `${screen} ${what}`
		// Many full axe runs each, two per page (the API docs page is a big one): six times the timeout.
		test.beforeEach(() => test.setTimeout(360_000))

		test('signed-out pages pass axe in both themes', async ({ page }) => {
			for (const path of ['/', '/login', '/register', '/api/docs']) {
				await page.goto(path)
				await expectAccessibleInBothThemes(page, name(path))
			}
		})

		test('signed-in pages pass axe in both themes, empty and with images', async ({ page }) => {
			const email = `a11y-${screen}@e2e.test`
			await registerAs(page, email)
			// An admin, so the jobs page is checked too.
			await grantAdmin(email)
			await expectAccessibleInBothThemes(page, name('empty gallery'))
			const ids = [
				await uploadWithSession(page, 'harbour.jpg', await photo()),
				await uploadWithSession(page, 'station.jpg', await photo()),
				await uploadWithSession(page, 'pier.jpg', await photo()),
			]
			for (const id of ids) await waitUntilCompleted(page, id)
			// One in the trash, so the Trash page shows a real row.
			const trashed = await page.request.delete(`/api/images/${ids[2]}`, {
				headers: { Origin: new URL(page.url()).origin },
			})
			expect(trashed.status()).toBe(204)
			await addDisabledWebhook(page)
			// An invite in the list, and so entries in the audit log.
			const invited = await page.request.post('/api/admin/invites', {
				headers: { Origin: new URL(page.url()).origin },
				data: { note: 'Checked by axe', maxUses: 2 },
			})
			expect(invited.status()).toBe(201)
			const me = (await (await page.request.get('/api/me')).json()) as { user: { id: string } }
			for (const path of [
				'/images',
				`/images/${ids[0]}`,
				'/usage',
				'/settings/tokens',
				'/settings/webhooks',
				'/settings/sessions',
				'/settings/password',
				'/admin/jobs',
				'/admin/users',
				`/admin/users/${me.user.id}`,
				'/settings/sharing',
				'/images?scope=team',
				'/admin/invites',
				'/admin/audit',
				'/admin/settings',
				'/admin/backups',
				'/trash',
				`/images/delete?id=${ids[0]}`,
				'/images?q=nothing-matches-this',
			]) {
				await page.goto(path)
				await expect(page.locator('main')).toBeVisible()
				await expectAccessibleInBothThemes(page, name(path))
			}
			// On a phone the gallery's upload form and filters are folded: open, they pass too.
			await page.goto('/images')
			for (const fold of await page.locator('details.phone-fold > summary').all()) {
				if (await fold.isVisible()) await fold.click()
			}
			await expect(page.getByRole('searchbox', { name: 'Search' })).toBeVisible()
			await expectAccessibleInBothThemes(page, name('/images, folds open'))
		})
	})
}
