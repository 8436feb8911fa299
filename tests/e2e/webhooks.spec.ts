import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, type Locator, type Page, test } from '@playwright/test'
import { expectAccessible, photo, register, untilHydrated, uploadAndOpen } from './support'

type Hit = { path: string; headers: http.IncomingHttpHeaders; body: string; answered: number }

/** A local endpoint that records what it receives and answers `status` (200 unless changed). */
async function startReceiver() {
	const hits: Hit[] = []
	const answer = { status: 200 }
	const server = http.createServer((request, response) => {
		let body = ''
		request.setEncoding('utf8')
		request.on('data', (chunk: string) => (body += chunk))
		request.on('end', () => {
			hits.push({
				path: request.url ?? '',
				headers: request.headers,
				body,
				answered: answer.status,
			})
			response.writeHead(answer.status).end(answer.status === 200 ? 'ok' : 'down')
		})
	})
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const { port } = server.address() as AddressInfo
	return {
		url: `http://127.0.0.1:${port}/hooks/darkroom`,
		hits,
		answer,
		close: () => server.close(),
	}
}

/** Standard Webhooks: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the secret's bytes. */
function signatureIsValid(secret: string, { headers, body }: Hit) {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
	const expected = createHmac('sha256', key)
		.update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`)
		.digest('base64')
	return String(headers['webhook-signature']).split(' ').includes(`v1,${expected}`)
}

test('a webhook added in Settings receives a signed test event and image events, shown in its delivery log', async ({
	page,
}) => {
	const receiver = await startReceiver()
	try {
		await register(page)
		await page.getByRole('link', { name: 'Settings' }).click()
		await page.getByRole('link', { name: 'Webhooks' }).click()
		await page.getByLabel(/Endpoint URL/).fill(receiver.url)
		await page.getByRole('button', { name: 'Add webhook' }).click()
		const secret = (await page.getByTestId('new-webhook-value').textContent())!.trim()
		expect(secret).toMatch(/^whsec_/)

		const webhook = page.getByTestId('webhook').filter({ hasText: receiver.url })
		await webhook.getByRole('button', { name: 'Send test event' }).click()
		// The log updates on its own once the delivery lands.
		await expect(webhook.locator('tbody tr').first()).toContainText('succeeded')
		await expect(webhook.locator('tbody tr').first()).toContainText('200')
		expect(receiver.hits).toHaveLength(1)
		const testEvent = JSON.parse(receiver.hits[0]!.body) as { type: string }
		expect(testEvent.type).toBe('webhook.test')
		expect(signatureIsValid(secret, receiver.hits[0]!)).toBe(true)
		expect(
			signatureIsValid(`whsec_${Buffer.from('wrong').toString('base64')}`, receiver.hits[0]!),
		).toBe(false)

		// A real image event follows an upload.
		await page.goto('/images')
		await uploadAndOpen(page, { name: 'hooked.jpg', mimeType: 'image/jpeg', buffer: await photo() })
		await expect(page.getByTestId('overall-status')).toHaveText('completed', { timeout: 30_000 })
		await expect
			.poll(() => receiver.hits.map((hit) => (JSON.parse(hit.body) as { type: string }).type))
			.toContain('image.completed')
		const completed = receiver.hits.find((hit) => hit.body.includes('"image.completed"'))!
		expect(signatureIsValid(secret, completed)).toBe(true)
		expect(JSON.parse(completed.body)).toMatchObject({
			data: { filename: 'hooked.jpg', overallStatus: 'completed' },
		})
	} finally {
		receiver.close()
	}
})

/** Adds a webhook on the Settings page; answers its card (the user's only one) and secret. */
async function addWebhook(page: Page, url: string) {
	await page.goto('/settings/webhooks')
	await untilHydrated(page)
	await page.getByLabel('Endpoint URL (https)').fill(url)
	await page.getByRole('button', { name: 'Add webhook' }).click()
	const secret = (await page.getByTestId('new-webhook-value').textContent())!.trim()
	// Ready for the next one.
	await expect(page.getByLabel('Endpoint URL (https)')).toHaveValue('')
	return { card: page.getByTestId('webhook'), secret }
}

/** Without JavaScript nothing updates by itself: load the page again until `text` shows. */
async function reloadUntil(page: Page, locator: Locator, text: string) {
	await expect(async () => {
		await page.goto('/settings/webhooks')
		await expect(locator).toContainText(text, { timeout: 500 })
	}).toPass({ timeout: 20_000 })
}

test('a webhook is disabled, enabled, edited and a failed delivery resent from Settings, in place', async ({
	page,
}) => {
	const receiver = await startReceiver()
	try {
		await register(page)
		const { card, secret } = await addWebhook(page, receiver.url)
		// A full page load would wipe this: everything below happens without one.
		await page.evaluate(() => Object.assign(window, { stillThisPage: true }))

		receiver.answer.status = 500
		await card.getByRole('button', { name: 'Send test event' }).click()
		const latest = card.locator('tbody tr').first()
		await expect(latest).toContainText('retrying')

		await card.getByRole('button', { name: /^Disable/ }).click()
		const state = card.getByTestId('webhook-state')
		await expect(state).toContainText('Disabled')
		await expect(state).toContainText('Disabled by its owner.')
		await expect(card.getByText(/^Webhook disabled: no events are recorded/)).toBeVisible()
		// Queued before, never sent since; nothing to resend while disabled.
		await expect(latest).toContainText('Webhook disabled; not sent.')
		await expect(latest.locator('[data-status]')).toHaveText('failed')
		await expect(card.getByRole('button', { name: /^Resend/ })).toHaveCount(0)
		await expect(card.getByRole('button', { name: 'Send test event' })).toHaveCount(0)
		// The first attempt, and a retry only if it came due before the click (a slow machine).
		const sentBeforeDisabling = receiver.hits.length
		expect(sentBeforeDisabling).toBeGreaterThanOrEqual(1)
		await expectAccessible(page, 'a disabled webhook')

		await card.getByRole('button', { name: /^Enable/ }).click()
		await expect(state).toHaveText('Enabled')

		// A refused URL is explained in the form; a good one replaces the old.
		await card.locator('summary', { hasText: 'Edit' }).click()
		const urlField = card.getByLabel('Endpoint URL', { exact: true })
		await urlField.fill('ftp://127.0.0.1/hook')
		await card.getByRole('button', { name: 'Save changes' }).click()
		await expect(card.getByText('must be an http:// or https:// URL.')).toBeVisible()
		await expect(urlField).toHaveAttribute('aria-invalid', 'true')
		await expectAccessible(page, 'a refused edit')
		const movedUrl = `${receiver.url}/moved`
		await urlField.fill(movedUrl)
		await card.getByLabel('Description (optional)').fill('Moved')
		await card.getByRole('button', { name: 'Save changes' }).click()
		await expect(card.getByRole('heading', { level: 3 })).toHaveText(movedUrl)
		await expect(card.getByText('Webhook updated.')).toBeVisible()
		await expect(card.getByText('Moved', { exact: true })).toBeVisible()
		// The form folds away with the new values in it.
		await expect(card.getByRole('button', { name: 'Save changes' })).toBeHidden()
		await expect(urlField).toHaveValue(movedUrl)

		// Resent: the same event, to the new URL, and the log shows it delivered.
		receiver.answer.status = 200
		await card.getByRole('button', { name: /^Resend/ }).click()
		await expect(card.getByText('Sent again as a new delivery.')).toBeVisible()
		await expect(card.locator('tbody tr')).toHaveCount(2)
		await expect(latest.locator('[data-status]')).toHaveText('succeeded')
		// Nothing was sent between disabling and the resend.
		await expect.poll(() => receiver.hits.length).toBe(sentBeforeDisabling + 1)
		const original = receiver.hits[0]
		const resent = receiver.hits.at(-1)
		expect(resent!.path).toBe('/hooks/darkroom/moved')
		expect(resent!.headers['webhook-id']).toBe(original!.headers['webhook-id'])
		expect(resent!.body).toBe(original!.body)
		expect(signatureIsValid(secret, resent!)).toBe(true)

		expect(await page.evaluate(() => 'stillThisPage' in window)).toBe(true)
	} finally {
		receiver.close()
	}
})

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false })

	test('plain forms disable, enable and edit a webhook and resend a failed delivery', async ({
		page,
	}) => {
		const receiver = await startReceiver()
		try {
			await register(page)
			const { card, secret } = await addWebhook(page, receiver.url)
			receiver.answer.status = 500
			await card.getByRole('button', { name: 'Send test event' }).click()
			await expect(card.getByText(/^Test event queued/)).toBeVisible()
			const latest = card.locator('tbody tr').first()
			await reloadUntil(page, latest, 'retrying')

			await card.getByRole('button', { name: /^Disable/ }).click()
			const state = card.getByTestId('webhook-state')
			await expect(state).toContainText('Disabled by its owner.')
			await reloadUntil(page, latest, 'Webhook disabled; not sent.')

			await card.getByRole('button', { name: /^Enable/ }).click()
			await expect(state).toHaveText('Enabled')
			await expect(card.getByText(/^Webhook enabled/)).toBeVisible()

			await card.locator('summary', { hasText: 'Edit' }).click()
			await card.getByLabel('Endpoint URL', { exact: true }).fill('ftp://127.0.0.1/hook')
			await card.getByRole('button', { name: 'Save changes' }).click()
			// The answer is a new page: the form is open again, with the error and what was typed.
			await expect(card.getByText('must be an http:// or https:// URL.')).toBeVisible()
			await expect(card.getByLabel('Endpoint URL', { exact: true })).toHaveValue(
				'ftp://127.0.0.1/hook',
			)
			const movedUrl = `${receiver.url}/moved`
			await card.getByLabel('Endpoint URL', { exact: true }).fill(movedUrl)
			await card.getByRole('button', { name: 'Save changes' }).click()
			await expect(card.getByText('Webhook updated.')).toBeVisible()
			await expect(card.getByRole('heading', { level: 3 })).toHaveText(movedUrl)

			receiver.answer.status = 200
			await card.getByRole('button', { name: /^Resend/ }).click()
			await expect(card.getByText('Sent again as a new delivery.')).toBeVisible()
			await reloadUntil(page, latest, 'succeeded')
			const resent = receiver.hits.at(-1)!
			expect(resent.path).toBe('/hooks/darkroom/moved')
			expect(resent.headers['webhook-id']).toBe(receiver.hits[0]!.headers['webhook-id'])
			expect(signatureIsValid(secret, resent)).toBe(true)
		} finally {
			receiver.close()
		}
	})
})
