import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { adminContext, expectAccessible, untilHydrated, openAdminSection } from './support'

// Admin → Instance settings chooses who may join (decision 019), with and
// without JavaScript. The e2e server shares one database with every spec, so
// registration is opened again whatever happens here.

async function chooseRegistration(page: Page, label: string) {
	await page.getByRole('radio', { name: label }).check()
	// "Saved." may still show from the save before: the POST's answer is what says this one is done.
	const saved = page.waitForResponse(
		(response) =>
			response.request().method() === 'POST' &&
			new URL(response.url()).pathname.startsWith('/admin/settings'),
	)
	await page.getByRole('button', { name: 'Save' }).click()
	expect((await saved).status()).toBeLessThan(400)
	await expect(page.getByRole('status')).toHaveText('Saved.')
	await expect(page.getByRole('radio', { name: label })).toBeChecked()
}

/** Back to open through the page's own form post, as a browser without JavaScript sends it. */
async function reopen(context: BrowserContext, baseURL: string) {
	const response = await context.request.post('/admin/settings', {
		form: { registration: 'open' },
		headers: { Origin: baseURL },
		maxRedirects: 0,
	})
	expect(response.status()).toBe(302)
}

for (const javaScriptEnabled of [true, false]) {
	test(`an admin closes and reopens registration (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
		baseURL,
	}) => {
		const { context } = await adminContext(browser, { javaScriptEnabled })
		const visitor = await browser.newContext({ javaScriptEnabled })
		try {
			const page = await context.newPage()
			await page.goto('/images')
			await untilHydrated(page)
			await page
				.getByRole('navigation', { name: 'Main' })
				.getByRole('link', { name: 'Admin' })
				.click()
			await openAdminSection(page, 'Instance')
			await expect(page.getByRole('heading', { name: 'Instance settings' })).toBeVisible()
			await expect(page.getByRole('radio', { name: 'Open' })).toBeChecked()
			// axe runs inside the page: only where scripts may run.
			if (javaScriptEnabled) await expectAccessible(page, 'admin settings')

			await chooseRegistration(page, 'Closed')
			const signedOut = await visitor.newPage()
			await signedOut.goto('/register')
			await expect(signedOut.getByRole('alert')).toHaveText(
				'Registration is closed on this instance.',
			)
			await expect(signedOut.getByLabel('Email')).toHaveCount(0)
			if (javaScriptEnabled) await expectAccessible(signedOut, 'register, closed')
			await signedOut.getByRole('link', { name: 'Sign in' }).click()
			await expect(signedOut).toHaveURL(/\/login$/)
			await expect(signedOut.getByRole('link', { name: 'Create one' })).toHaveCount(0)

			await chooseRegistration(page, 'Open')
			await signedOut.goto('/login')
			await expect(signedOut.getByRole('link', { name: 'Create one' })).toBeVisible()
		} finally {
			await reopen(context, baseURL!)
			await Promise.all([context.close(), visitor.close()])
		}
	})
}
