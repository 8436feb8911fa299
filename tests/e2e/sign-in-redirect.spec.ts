import { randomUUID } from 'node:crypto'
import { type APIRequestContext, expect, test } from '@playwright/test'
import { password } from './support'

// Issue 14, finding 5: `/\t/evil.example` passed the old check, and a browser
// drops the tab and reads what is left, `//evil.example`, as another site.
// A real sign-in in Chromium, with and without JavaScript, must end here.

// More hostile targets are unit-tested beside safeRedirect (app/auth/auth.server.test.ts).
const hostile = ['/\t/evil.example', '/.//evil.example']

/** An account made through the API: quicker than the form, which other specs cover. */
async function newAccount(request: APIRequestContext) {
	const email = `redirect-${randomUUID()}@example.com`
	const response = await request.post('/api/auth/register', { data: { email, password } })
	expect(response.status()).toBe(201)
	return email
}

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		for (const redirectTo of hostile) {
			test(`signing in with redirectTo=${JSON.stringify(redirectTo)} stays on this site`, async ({
				page,
				request,
				baseURL,
			}) => {
				const email = await newAccount(request)
				// Should the browser try to leave, it is refused here and the URL still tells.
				const offsite: string[] = []
				await page.route(
					(url) => url.origin !== new URL(baseURL!).origin,
					async (route) => {
						offsite.push(route.request().url())
						await route.abort()
					},
				)
				await page.goto(`/login?redirectTo=${encodeURIComponent(redirectTo)}`)
				await page.getByLabel('Email').fill(email)
				await page.getByLabel('Password').fill(password)
				await page.getByRole('button', { name: 'Sign in' }).click()

				await expect(page).toHaveURL(`${baseURL}/images`)
				await expect(page.getByRole('heading', { name: 'Upload images', level: 1 })).toBeVisible()
				expect(offsite).toEqual([])
			})
		}

		test('a same-site redirectTo is still honoured', async ({ page, request, baseURL }) => {
			const email = await newAccount(request)
			await page.goto(`/login?redirectTo=${encodeURIComponent('/settings/tokens?from=login')}`)
			await page.getByLabel('Email').fill(email)
			await page.getByLabel('Password').fill(password)
			await page.getByRole('button', { name: 'Sign in' }).click()
			await expect(page).toHaveURL(`${baseURL}/settings/tokens?from=login`)
		})
	})
}
