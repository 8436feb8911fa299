import { expect, type Page, test } from '@playwright/test'
import { expectAccessible, register } from './support'

// Personal API tokens on /settings/tokens: made in the page, shown once, used
// by a client that has only the secret (X-API-Key), revoked in the page.

/** GET /api/images as an outside client: only the key, no browser cookie. */
const listWithKey = (baseURL: string, secret: string) =>
	fetch(new URL('/api/images', baseURL), { headers: { 'X-API-Key': secret } })

async function createUseAndRevoke(
	page: Page,
	baseURL: string,
	{ javaScript }: { javaScript: boolean },
) {
	await register(page)
	await page.getByRole('link', { name: 'Settings' }).click()
	await expect(page).toHaveURL(/\/settings\/tokens$/)
	await expect(page.getByText('No API tokens yet.')).toBeVisible()

	// A blank name and no scope are refused with a message at each field.
	await page.getByLabel('Name').fill('   ')
	await page.getByLabel(/^read:/).uncheck()
	await page.getByLabel(/^write:/).uncheck()
	await page.getByRole('button', { name: 'Create token' }).click()
	await expect(page.getByText('Name is required')).toBeVisible()
	await expect(page.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true')
	await expect(page.getByText('Choose at least one scope')).toBeVisible()

	// Read only: it may list images but not upload.
	await page.getByLabel(/^read:/).check()

	await page.getByLabel('Name').fill('Deploy bot')
	await page.getByLabel('Expires').selectOption({ label: '30 days' })
	await page.getByRole('button', { name: 'Create token' }).click()

	const box = page.getByTestId('new-token')
	await expect(box.getByRole('heading')).toHaveText('Token “Deploy bot” created')
	await expect(box).toContainText('it will not be shown again')
	const secret = (await page.getByTestId('new-token-value').textContent())!.trim()
	expect(secret).toMatch(/^drk_[A-Za-z0-9_-]{43}$/)
	// The form is ready for another token.
	await expect(page.getByLabel('Name')).toHaveValue('')

	const row = page.getByTestId('tokens').getByRole('row', { name: /Deploy bot/ })
	await expect(row).toContainText('Not yet')
	await expect(row.getByTestId('token-scopes')).toHaveText('read')
	const expires = await row.locator('time').nth(1).getAttribute('datetime')
	const days = (new Date(expires!).getTime() - Date.now()) / 86_400_000
	expect(days).toBeGreaterThan(29.9)
	expect(days).toBeLessThanOrEqual(30)

	if (javaScript) {
		await page.getByRole('button', { name: 'Copy token' }).click()
		await expect(box.getByRole('button', { name: 'Copied' })).toBeVisible()
		expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret)
		await expectAccessible(page)
	}

	// The secret works for a client that has nothing else.
	const ok = await listWithKey(baseURL, secret)
	expect(ok.status).toBe(200)
	expect(await ok.json()).toMatchObject({ items: [], total: 0 })
	const upload = new FormData()
	upload.append('file', new Blob([new Uint8Array([0xff, 0xd8, 0xff])]), 'a.jpg')
	const refused403 = await fetch(new URL('/api/images', baseURL), {
		method: 'POST',
		headers: { 'X-API-Key': secret },
		body: upload,
	})
	expect(refused403.status).toBe(403)
	expect(((await refused403.json()) as { detail: string }).detail).toContain('"write" scope')

	// Shown once: a fresh visit lists the token, used now, but never its secret.
	await page.goto('/settings/tokens')
	await expect(page.getByTestId('new-token')).toHaveCount(0)
	expect(await page.content()).not.toContain(secret)
	await expect(row).not.toContainText('Not yet')

	await page.getByRole('button', { name: 'Revoke Deploy bot' }).click()
	await expect(page.getByRole('status').filter({ hasText: 'revoked' })).toContainText(
		'Token “Deploy bot” revoked',
	)
	await expect(page.getByText('No API tokens yet.')).toBeVisible()

	const refused = await listWithKey(baseURL, secret)
	expect(refused.status).toBe(401)
	expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer')
}

test.describe('with JavaScript enabled', () => {
	test.use({ permissions: ['clipboard-read', 'clipboard-write'] })

	test('create a token, copy it, use it as X-API-Key, revoke it', async ({ page, baseURL }) => {
		await createUseAndRevoke(page, baseURL!, { javaScript: true })
	})
})

test.describe('with JavaScript disabled', () => {
	test.use({ javaScriptEnabled: false })

	test('create a token with the plain form, use it, revoke it', async ({ page, baseURL }) => {
		await createUseAndRevoke(page, baseURL!, { javaScript: false })
	})
})
