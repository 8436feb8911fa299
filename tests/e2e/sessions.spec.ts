import { type Browser, expect, type Page, test } from '@playwright/test'
import { expectAccessible, password, register, untilHydrated } from './support'

// Settings → Sessions and Settings → Password, with and without JavaScript: a
// second browser signs in, shows up in the list, and is signed out from the
// first, by one click, by "Sign out everywhere else" and by a password change.

const otherAgent =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'

/** Another browser (its own cookies), signed in as `email`. */
async function signInElsewhere(browser: Browser, email: string, secret = password) {
	const context = await browser.newContext({ userAgent: otherAgent })
	const page = await context.newPage()
	await page.goto('/login')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel('Password').fill(secret)
	await page.getByRole('button', { name: 'Sign in' }).click()
	await expect(page).toHaveURL(/\/images$/)
	return page
}

async function expectSignedOut(page: Page) {
	await page.goto('/settings/sessions')
	await expect(page).toHaveURL(/\/login\?redirectTo=/)
}

async function expectSignedIn(page: Page) {
	await page.goto('/settings/sessions')
	await expect(page).toHaveURL(/\/settings\/sessions$/)
}

const sessionRows = (page: Page) => page.getByTestId('sessions').locator('tbody tr')

async function openSettingsTab(page: Page, tab: 'Sessions' | 'Password') {
	await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: tab }).click()
	await expect(page).toHaveURL(new RegExp(`/settings/${tab.toLowerCase()}$`))
	await untilHydrated(page)
}

async function listAndSignOut(
	page: Page,
	browser: Browser,
	{ javaScript }: { javaScript: boolean },
) {
	const email = await register(page)
	let other = await signInElsewhere(browser, email)

	await page.getByRole('link', { name: 'Settings' }).click()
	await openSettingsTab(page, 'Sessions')
	await expect(sessionRows(page)).toHaveCount(2)
	const current = sessionRows(page).filter({ hasText: 'This session' })
	await expect(current).toHaveCount(1)
	await expect(current).toContainText('Chrome on Linux')
	await expect(current).toContainText('Browser')
	await expect(current).toContainText('127.0.0.1')
	const elsewhere = sessionRows(page).filter({ hasText: 'Firefox on Windows' })
	await expect(elsewhere).toContainText('127.0.0.1')
	if (javaScript) await expectAccessible(page)

	// Sign out the other browser by its row.
	await elsewhere.getByRole('button', { name: /^Sign out Firefox on Windows/ }).click()
	await expect(page.getByText('Session signed out: it no longer works.')).toBeVisible()
	await expect(sessionRows(page)).toHaveCount(1)
	await expect(page.getByText('You are not signed in anywhere else.')).toBeVisible()
	await expectSignedOut(other)
	await other.context().close()

	// Everywhere else at once.
	other = await signInElsewhere(browser, email)
	await page.goto('/settings/sessions')
	await expect(sessionRows(page)).toHaveCount(2)
	await untilHydrated(page)
	await page.getByRole('button', { name: 'Sign out everywhere else' }).click()
	await expect(page.getByText('Signed out everywhere else: 1 session ended.')).toBeVisible()
	await expectSignedOut(other)
	await expectSignedIn(page)
}

async function changePassword(
	page: Page,
	browser: Browser,
	{ javaScript }: { javaScript: boolean },
) {
	const email = await register(page)
	const other = await signInElsewhere(browser, email)
	await page.getByRole('link', { name: 'Settings' }).click()
	await openSettingsTab(page, 'Password')
	if (javaScript) await expectAccessible(page)

	// A wrong current password changes nothing.
	await page.getByLabel('Current password').fill('not my password')
	await page.getByLabel(/New password/).fill('an even longer password')
	await page.getByRole('button', { name: 'Change password' }).click()
	await expect(page.getByText('Your current password is not correct.')).toBeVisible()
	await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true')
	await expectSignedIn(other)

	// The right one: every other session ends, this one stays.
	await page.goto('/settings/password')
	await untilHydrated(page)
	await page.getByLabel('Current password').fill(password)
	await page.getByLabel(/New password/).fill('an even longer password')
	await page.getByRole('button', { name: 'Change password' }).click()
	await expect(
		page.getByText('Password changed. 1 other session or token was signed out.'),
	).toBeVisible()
	await expect(page.getByLabel('Current password')).toHaveValue('')
	await expectSignedOut(other)
	await expectSignedIn(page)

	// The new password is the one that signs in now.
	await other.goto('/login')
	await other.getByLabel('Email').fill(email)
	await other.getByLabel('Password').fill(password)
	await other.getByRole('button', { name: 'Sign in' }).click()
	await expect(other.getByText('Incorrect email or password.')).toBeVisible()
	await other.context().close()
	await (await signInElsewhere(browser, email, 'an even longer password')).context().close()
}

for (const javaScript of [true, false]) {
	test.describe(`with JavaScript ${javaScript ? 'enabled' : 'disabled'}`, () => {
		test.use({ javaScriptEnabled: javaScript })
		// Several browsers and many page loads on a shared machine.
		test.slow()

		test('list sessions, sign one out, sign out everywhere else', async ({ page, browser }) => {
			await listAndSignOut(page, browser, { javaScript })
		})

		test('change the password: a wrong current one changes nothing; the right one ends every other session', async ({
			page,
			browser,
		}) => {
			await changePassword(page, browser, { javaScript })
		})
	})
}
