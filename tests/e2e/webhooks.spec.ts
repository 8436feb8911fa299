import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { register, uploadAndOpen, photo } from './support'

type Hit = { headers: http.IncomingHttpHeaders; body: string }

/** A local endpoint that records what it receives and answers 200. */
async function startReceiver() {
	const hits: Hit[] = []
	const server = http.createServer((request, response) => {
		let body = ''
		request.setEncoding('utf8')
		request.on('data', (chunk: string) => (body += chunk))
		request.on('end', () => {
			hits.push({ headers: request.headers, body })
			response.writeHead(200).end('ok')
		})
	})
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const { port } = server.address() as AddressInfo
	return { url: `http://127.0.0.1:${port}/hooks/darkroom`, hits, close: () => server.close() }
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
