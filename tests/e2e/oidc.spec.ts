import { randomUUID } from 'node:crypto'
import { expect, test } from '@playwright/test'
import { embeddedDatabaseUrl } from '#db/embedded'
import { type OidcTestProvider, startOidcProvider } from '#tests/support/oidc-provider'
import { type OwnServer, startOwnWeb } from './own-server'
import { expectAccessible, untilHydrated } from './support'

// Single sign-on in Chromium, through a real OpenID provider: the app is a
// web process of this spec's own (it needs OIDC_* settings), sharing the e2e
// server's database and data directory.

let provider: OidcTestProvider
let server: OwnServer

test.beforeAll(async () => {
	provider = await startOidcProvider()
	const dataDir = process.env.DARKROOM_E2E_DATA_DIR!
	server = await startOwnWeb('127.0.0.1', {
		NODE_ENV: 'test',
		DATA_DIR: dataDir,
		DATABASE_URL: embeddedDatabaseUrl(dataDir),
		OIDC_ISSUER: provider.issuer,
		OIDC_CLIENT_ID: provider.clientId,
		OIDC_CLIENT_SECRET: provider.clientSecret,
		OIDC_LABEL: 'Test IdP',
		OIDC_AUTO_REGISTER: 'true',
	})
	provider.allowApp(server.url)
})

test.afterAll(async () => {
	await server?.stop()
	await provider?.stop()
})

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		test('signs in through the provider and lands where it was going', async ({ page }) => {
			const email = `sso-${randomUUID()}@example.com`
			const subject = `sub-${randomUUID()}`
			provider.setAccount(subject, { email, email_verified: true })

			await page.goto(`${server.url}/usage`)
			await expect(page).toHaveURL(/\/login\?redirectTo=%2Fusage$/)
			await untilHydrated(page)
			await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()

			await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`))
			await page.getByLabel('Account').fill(subject)
			await page.getByRole('button', { name: 'Continue' }).click()

			await expect(page).toHaveURL(`${server.url}/usage`)
			await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
			const me = await page.request.get(`${server.url}/api/me`)
			expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email)
		})

		test('comes back to the login page saying why when the provider refuses', async ({ page }) => {
			await page.goto(`${server.url}/login`)
			await untilHydrated(page)
			await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
			await page.getByRole('button', { name: 'Deny' }).click()

			await expect(page).toHaveURL(`${server.url}/login`)
			await expect(page.getByText('Sign-in was cancelled or refused')).toBeVisible()
		})
	})
}

test('the login page with the single sign-on button passes axe', async ({ page }) => {
	await page.goto(`${server.url}/login`)
	await expect(page.getByRole('button', { name: 'Sign in with Test IdP' })).toBeVisible()
	await expectAccessible(page, 'login with single sign-on')
})
