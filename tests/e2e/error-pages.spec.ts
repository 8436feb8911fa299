import { randomUUID } from 'node:crypto'
import { expect, type Page, test } from '@playwright/test'
import { type OwnPostgres, startOwnPostgres } from '#tests/support/faults'
import { type OwnServer, startOwnWeb } from './own-server'
import { password, register } from './support'

// Issue 15: 404 and 500 pages sit inside the app's layout, so a signed-in
// reader keeps the header and navigation and can go on from there.

async function expectLayoutAround(page: Page, heading: string) {
	await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible()
	const nav = page.getByRole('navigation', { name: 'Main' })
	await expect(nav.getByRole('link', { name: 'Images' })).toBeVisible()
	await expect(nav.getByRole('link', { name: 'Settings' })).toBeVisible()
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
	await expect(page.getByRole('link', { name: 'Back to your images' })).toBeVisible()
}

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		test('an unknown address is a 404 inside the layout for a signed-in user', async ({ page }) => {
			await register(page)
			const response = await page.goto('/no/such/page')
			expect(response?.status()).toBe(404)
			await expectLayoutAround(page, 'Page not found')
			await expect(page).toHaveTitle('Page not found · Darkroom')
			await expect(page.getByTestId('user-email')).toHaveCount(1)
		})

		test('a missing image is the same 404 inside the layout', async ({ page }) => {
			await register(page)
			const response = await page.goto(`/images/${randomUUID()}`)
			expect(response?.status()).toBe(404)
			await expectLayoutAround(page, 'Page not found')
		})

		test('a signed-out visitor to an unknown address is asked to sign in first', async ({
			page,
		}) => {
			await page.goto('/no/such/page')
			await expect(page).toHaveURL(/\/login\?redirectTo=%2Fno%2Fsuch%2Fpage$/)
		})
	})
}

test.describe('a 500 while the database is down', () => {
	let database: OwnPostgres
	let server: OwnServer
	test.beforeAll(async () => {
		database = await startOwnPostgres()
		server = await startOwnWeb('127.0.0.1', {
			NODE_ENV: 'test',
			DATABASE_URL: database.url,
			DATA_DIR: process.env.DARKROOM_E2E_DATA_DIR!,
		})
	})
	test.afterAll(async () => {
		await server?.stop()
		await database?.destroy()
	})

	for (const javaScriptEnabled of [true, false]) {
		test(`shows the layout and a readable message, no stack (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
			browser,
		}) => {
			const context = await browser.newContext({ javaScriptEnabled })
			const page = await context.newPage()
			const email = `outage-${randomUUID()}@example.com`
			await page.goto(`${server.url}/register`)
			await page.getByLabel('Email').fill(email)
			await page.getByLabel(/Password/).fill(password)
			await page.getByRole('button', { name: 'Create account' }).click()
			await expect(page).toHaveURL(`${server.url}/images`)

			await database.stop()
			try {
				const response = await page.goto(`${server.url}/usage`)
				expect(response?.status()).toBe(500)
				await expectLayoutAround(page, 'Something went wrong')
				await expect(page.getByText('It has been logged; please try again')).toBeVisible()
				const text = await page.locator('body').innerText()
				expect(text).not.toMatch(/ECONNREFUSED|postgres|at .*\.js:\d+/i)
			} finally {
				await database.start()
				await context.close()
			}
		})
	}
})
