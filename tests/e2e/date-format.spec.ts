import { expect, type Page, test } from '@playwright/test'
import { photo, register, untilHydrated, uploadWithSession, waitUntilCompleted } from './support'

// Issue 15: one date-time format across the app, in the reader's locale and
// time zone, with the exact ISO time on hover. A German reader in Berlin sees
// "05.12.2026, 08:12" wherever a moment appears; without JavaScript the server's
// rendering stays: the UTC time written as ISO 8601 ("2026-12-05 07:12 UTC").

const locale = 'de-DE'
const timezoneId = 'Europe/Berlin'

const inBerlin = (iso: string, options: Intl.DateTimeFormatOptions) =>
	new Date(iso).toLocaleString(locale, { ...options, timeZone: timezoneId })

/** The renderings a moment may have: the date and time, or (for a time of today) the time alone. */
function expectedTexts(iso: string, javaScript: boolean) {
	if (javaScript) {
		return [
			inBerlin(iso, { dateStyle: 'medium', timeStyle: 'short' }),
			inBerlin(iso, { timeStyle: 'short' }),
		]
	}
	const utc = new Date(iso).toISOString()
	return [`${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`, `${utc.slice(11, 16)} UTC`]
}

/** Every <time> on the page shows its own instant in the one format, with the ISO instant as its title. */
async function expectOneFormat(page: Page, javaScript: boolean, atLeast: number) {
	await untilHydrated(page)
	const times = page.locator('main time')
	await expect.poll(() => times.count()).toBeGreaterThanOrEqual(atLeast)
	for (const time of await times.all()) {
		const iso = (await time.getAttribute('datetime'))!
		expect(Date.parse(iso)).not.toBeNaN()
		await expect(time).toHaveAttribute('title', iso)
		const expected = expectedTexts(iso, javaScript)
		await expect.poll(async () => expected.includes((await time.innerText()).trim())).toBe(true)
	}
	return times
}

for (const javaScriptEnabled of [true, false]) {
	test(`dates follow the reader's locale and time zone on every page (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({
		browser,
	}) => {
		const context = await browser.newContext({ locale, timezoneId, javaScriptEnabled })
		const page = await context.newPage()
		await register(page)

		// Detail: the processing timeline and the links' expiry.
		const id = await uploadWithSession(page, 'dated.jpg', await photo())
		// Finished first: a page still processing refreshes itself without JavaScript.
		await waitUntilCompleted(page, id)
		await page.goto(`/images/${id}`)
		const detailTimes = await expectOneFormat(page, javaScriptEnabled, 1)
		if (javaScriptEnabled) {
			// The German date, not the server's ISO: the switch really happened.
			await expect(detailTimes.first()).toHaveText(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/)
		} else {
			await expect(detailTimes.first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/)
		}

		// Sessions: this sign-in's start.
		await page.goto('/settings/sessions')
		await expectOneFormat(page, javaScriptEnabled, 1)

		// Tokens: a new token's creation and expiry.
		await page.goto('/settings/tokens')
		await page.getByLabel('Name').fill('Dated bot')
		await page.getByRole('button', { name: 'Create token' }).click()
		await expect(page.getByRole('rowheader', { name: 'Dated bot' })).toBeVisible()
		await expectOneFormat(page, javaScriptEnabled, 2)

		// Webhooks: when the endpoint was added.
		await page.goto('/settings/webhooks')
		await page.getByLabel(/Endpoint URL/).fill('http://127.0.0.1:9/dated-hook')
		await page.getByRole('button', { name: 'Add webhook' }).click()
		await expect(page.getByTestId('webhook')).toBeVisible()
		await expectOneFormat(page, javaScriptEnabled, 1)

		await context.close()
	})
}
