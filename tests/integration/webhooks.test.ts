import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	type AppProcess,
	expectProblem,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '../support/app'
import { smallJpeg } from '../support/images'

// Webhooks end to end: a real web process and worker that may call a local
// receiver (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_ADDRESSES), a second
// web process with the default guard against private addresses, and an HTTP
// receiver started here that checks every signature on its own.

type Received = {
	path: string
	headers: http.IncomingHttpHeaders
	body: string
	event: { id: string; type: string; createdAt: string; data: Record<string, unknown> }
	answered: number
}

type Webhook = {
	id: string
	url: string
	events: string[]
	description: string | null
	createdAt: string
}

type Delivery = {
	id: string
	webhookId: string
	eventId: string
	eventType: string
	status: 'pending' | 'retrying' | 'succeeded' | 'failed'
	attempts: number
	responseStatus: number | null
	responseBody: string | null
	error: string | null
	durationMs: number | null
	createdAt: string
	lastAttemptAt: string | null
	completedAt: string | null
}

const permissive = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }

let web: WebProcess
let guardedWeb: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let receiver: http.Server
let receiverUrl: string
const received: Received[] = []
/** Statuses the receiver answers with, in order; 200 once they run out. */
const plannedStatuses: number[] = []

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	receiver = http.createServer((request, response) => {
		const chunks: Buffer[] = []
		request.on('data', (chunk: Buffer) => chunks.push(chunk))
		request.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8')
			const status = plannedStatuses.shift() ?? 200
			received.push({
				path: request.url ?? '',
				headers: request.headers,
				body,
				event: JSON.parse(body) as Received['event'],
				answered: status,
			})
			response.writeHead(status, { 'Content-Type': 'text/plain' })
			response.end(status === 200 ? 'thanks' : 'try again later')
		})
	})
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
	;[web, guardedWeb, worker] = await Promise.all([
		startWeb(permissive),
		startWeb({ WEBHOOK_ALLOW_HTTP: 'true' }),
		startWorker(permissive),
	])
})

afterAll(async () => {
	// The app's own pool, if a test ran app code in-process.
	const { sqlClient } = await import('~/db.server')
	await sqlClient.end()
	await Promise.all([web?.stop(), guardedWeb?.stop(), worker?.stop()])
	await new Promise((resolve) => receiver?.close(resolve))
	await sql?.end()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
	const deadline = Date.now() + 20_000
	for (;;) {
		const value = await probe()
		if (value !== undefined) return value
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
		await sleep(100)
	}
}

async function createWebhook(token: string, body: Record<string, unknown>, base = web.baseUrl) {
	const response = await api(base, '/api/webhooks', { method: 'POST', token, json: body })
	const text = await response.text()
	expect(response.status, text).toBe(201)
	return JSON.parse(text) as { webhook: Webhook; secret: string }
}

async function deliveriesOf(token: string, webhookId: string) {
	const response = await api(web.baseUrl, `/api/webhooks/${webhookId}/deliveries`, { token })
	expect(response.status).toBe(200)
	return ((await response.json()) as { items: Delivery[] }).items
}

/** Verifies a Standard Webhooks signature from the spec alone, not the app's code. */
function hasValidSignature(secret: string, { headers, body }: Received) {
	const id = String(headers['webhook-id'])
	const timestamp = String(headers['webhook-timestamp'])
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
	const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
	return String(headers['webhook-signature'])
		.split(' ')
		.map((part) => part.split(','))
		.some(
			([version, signature]) =>
				version === 'v1' &&
				Buffer.from(signature ?? '', 'base64').length === expected.length &&
				timingSafeEqual(Buffer.from(signature!, 'base64'), expected),
		)
}

const receivedAt = (path: string, type: string) =>
	received.filter((r) => r.path === path && r.event.type === type)

describe('delivering image events', () => {
	let token: string
	let webhook: Webhook
	let secret: string
	let onlyDeleted: Webhook
	let imageId: string

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
	})

	it('registers a webhook for every event by default and shows the secret only then', async () => {
		const response = await api(web.baseUrl, '/api/webhooks', {
			method: 'POST',
			token,
			json: { url: `${receiverUrl}/all`, description: 'Everything' },
		})
		expect(response.status).toBe(201)
		const created = (await response.json()) as { webhook: Webhook; secret: string }
		;({ webhook, secret } = created)
		expect(response.headers.get('Location')).toBe(`/api/webhooks/${webhook.id}`)
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
		expect(webhook).toEqual({
			id: expect.any(String),
			url: `${receiverUrl}/all`,
			events: ['image.completed', 'image.failed', 'image.deleted'],
			description: 'Everything',
			createdAt: expect.stringMatching(/Z$/),
		})
		;({ webhook: onlyDeleted } = await createWebhook(token, {
			url: `${receiverUrl}/only-deleted`,
			events: ['image.deleted'],
		}))

		const list = await api(web.baseUrl, '/api/webhooks', { token })
		const listText = await list.text()
		expect(JSON.parse(listText)).toEqual({ items: [webhook, onlyDeleted] })
		const one = await api(web.baseUrl, `/api/webhooks/${webhook.id}`, { token })
		const oneText = await one.text()
		expect(JSON.parse(oneText)).toEqual({ webhook, deliveries: [] })
		// Never shown again, and not stored as it is.
		for (const text of [listText, oneText]) expect(text).not.toContain(secret.slice(6))
		const stored = await sql`select secret_encrypted from webhooks where id = ${webhook.id}`
		expect(JSON.stringify(stored)).not.toContain(secret.slice(6))
	})

	it('sends image.completed, signed, and retries an endpoint that answered 500', async () => {
		plannedStatuses.push(500)
		const upload = await uploadFile(web.baseUrl, token, await smallJpeg(), 'sunset.jpg')
		expect(upload.status).toBe(202)
		imageId = ((await upload.json()) as { id: string }).id
		const image = await waitForTerminal(web.baseUrl, token, imageId)
		expect(image.overallStatus).toBe('completed')

		const [first, second] = await until('the retried image.completed', () => {
			const hits = receivedAt('/all', 'image.completed')
			return hits.length >= 2 ? hits : undefined
		})
		expect(first!.answered).toBe(500)
		expect(second!.answered).toBe(200)
		for (const hit of [first!, second!]) {
			expect(hasValidSignature(secret, hit)).toBe(true)
			expect(hasValidSignature(`whsec_${Buffer.alloc(24).toString('base64')}`, hit)).toBe(false)
			expect(hit.headers['user-agent']).toBe('Darkroom-Webhooks/1')
			expect(hit.headers['content-type']).toBe('application/json')
			expect(Math.abs(Number(hit.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(
				120,
			)
			// The message id stays the same across retries, so a receiver can deduplicate.
			expect(hit.headers['webhook-id']).toBe(hit.event.id)
		}
		expect(second!.event).toEqual(first!.event)
		expect(second!.event).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			type: 'image.completed',
			createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
			data: {
				imageId,
				filename: 'sunset.jpg',
				status: 'completed',
				aiStatus: 'skipped',
				overallStatus: 'completed',
				error: null,
				aiError: expect.any(String),
			},
		})
		// Subscribed to image.deleted only: nothing yet.
		expect(received.filter((r) => r.path === '/only-deleted')).toEqual([])

		const delivery = await until('the delivery to succeed', async () => {
			const [latest] = await deliveriesOf(token, webhook.id)
			return latest?.status === 'succeeded' ? latest : undefined
		})
		expect(delivery).toMatchObject({
			webhookId: webhook.id,
			eventId: first!.event.id,
			eventType: 'image.completed',
			attempts: 2,
			responseStatus: 200,
			responseBody: 'thanks',
			error: null,
		})
		expect(delivery.durationMs).toBeGreaterThanOrEqual(0)
		expect(Date.parse(delivery.completedAt!)).toBeGreaterThanOrEqual(Date.parse(delivery.createdAt))
	})

	it('sends image.failed when an image fails, whoever writes the failure', async () => {
		const upload = await uploadFile(web.baseUrl, token, await smallJpeg(), 'doomed.jpg')
		const failedId = ((await upload.json()) as { id: string }).id
		await waitForTerminal(web.baseUrl, token, failedId)
		// Uploads are validated, so no file fails in the worker on its own; the event
		// comes from the row's change (a trigger), so a failure written by SQL is as good.
		await sql`update images set status = 'failed', error = 'The image could not be decoded.'
			where id = ${failedId}`
		const [hit] = await until('image.failed', () => {
			const hits = receivedAt('/all', 'image.failed')
			return hits.length ? hits : undefined
		})
		expect(hasValidSignature(secret, hit!)).toBe(true)
		expect(hit!.event.data).toMatchObject({
			imageId: failedId,
			filename: 'doomed.jpg',
			status: 'failed',
			overallStatus: 'failed',
			error: 'The image could not be decoded.',
		})
		// Going from failed to failed again (another write) is not a second event.
		await sql`update images set error = 'Still broken.' where id = ${failedId}`
		await sleep(1500)
		expect(receivedAt('/all', 'image.failed')).toHaveLength(1)
	})

	it('sends image.deleted to both webhooks when the image is deleted', async () => {
		const response = await api(web.baseUrl, `/api/images/${imageId}`, { method: 'DELETE', token })
		expect(response.status).toBe(204)
		const [all, deletedOnly] = await until('both image.deleted events', () => {
			const a = receivedAt('/all', 'image.deleted')[0]
			const b = receivedAt('/only-deleted', 'image.deleted')[0]
			return a && b ? [a, b] : undefined
		})
		expect(all!.event.data).toMatchObject({ imageId, filename: 'sunset.jpg' })
		// One event, two deliveries: the same event id, each signed with its own webhook's secret.
		expect(deletedOnly!.event.id).toBe(all!.event.id)
		expect(hasValidSignature(secret, all!)).toBe(true)
		expect(hasValidSignature(secret, deletedOnly!)).toBe(false)
		expect(receivedAt('/only-deleted', 'image.completed')).toEqual([])
	})

	it('sends a webhook.test event on request and logs its delivery', async () => {
		const response = await api(web.baseUrl, `/api/webhooks/${onlyDeleted.id}/test`, {
			method: 'POST',
			token,
		})
		expect(response.status).toBe(202)
		const { delivery } = (await response.json()) as { delivery: Delivery }
		expect(delivery).toMatchObject({
			webhookId: onlyDeleted.id,
			eventType: 'webhook.test',
			status: 'pending',
			attempts: 0,
		})
		const hit = await until('the test event', () => receivedAt('/only-deleted', 'webhook.test')[0])
		expect(hit.event).toMatchObject({
			id: delivery.eventId,
			type: 'webhook.test',
			data: { webhookId: onlyDeleted.id },
		})
		const detail = await until('the test delivery to succeed', async () => {
			const res = await api(web.baseUrl, `/api/webhooks/${onlyDeleted.id}`, { token })
			const body = (await res.json()) as { deliveries: Delivery[] }
			return body.deliveries[0]?.status === 'succeeded' ? body : undefined
		})
		expect(detail.deliveries.map((d) => d.eventType)).toEqual(['webhook.test', 'image.deleted'])
		expect(receivedAt('/all', 'webhook.test')).toEqual([])
	})

	it('stops delivering once the webhook is deleted', async () => {
		const response = await api(web.baseUrl, `/api/webhooks/${webhook.id}`, {
			method: 'DELETE',
			token,
		})
		expect(response.status).toBe(204)
		await expectProblem(await api(web.baseUrl, `/api/webhooks/${webhook.id}`, { token }), 404)
		const [{ n }] = await sql<[{ n: number }]>`
			select count(*)::int as n from webhook_deliveries where webhook_id = ${webhook.id}`
		expect(n).toBe(0)
	})
})

describe('refusing private addresses (the default)', () => {
	let token: string

	beforeAll(async () => {
		;({ token } = await register(guardedWeb.baseUrl))
	})

	it.each([
		['http://127.0.0.1:9/hook', /127\.0\.0\.1 is a loopback address/],
		['http://localhost:9/hook', /localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
		['https://10.1.2.3/hook', /10\.1\.2\.3 is a private \(RFC 1918\) address/],
		['https://169.254.169.254/latest/meta-data', /link-local/],
		['https://[::ffff:127.0.0.1]/hook', /loopback/],
		['https://[fd12::1]/hook', /unique local/],
	])('answers 422 for %s', async (url, reason) => {
		const response = await api(guardedWeb.baseUrl, '/api/webhooks', {
			method: 'POST',
			token,
			json: { url },
		})
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual([{ path: 'url', message: expect.stringMatching(reason) }])
		expect(problem.detail).toMatch(reason)
	})

	it('refuses at delivery time an address that has become private', async () => {
		// Registered where private addresses were allowed; the delivery code
		// then runs here, in-process, with the default configuration.
		const { token: owner } = await register(web.baseUrl)
		const { webhook } = await createWebhook(owner, {
			url: `${receiverUrl.replace('http:', 'https:')}/rebound`,
		})
		const [delivery] = await sql<[{ id: string }]>`
			insert into webhook_deliveries (webhook_id, event_id, event_type, payload)
			values (${webhook.id}, gen_random_uuid(), 'webhook.test', '{"type":"webhook.test"}')
			returning id`
		const { attemptDelivery } = await import('~/webhooks/delivery.server')
		const result = await attemptDelivery(delivery.id, { lastAttempt: false })
		expect(result.outcome).toBe('failed')
		const [row] = await sql`select * from webhook_deliveries where id = ${delivery.id}`
		expect(row).toMatchObject({
			status: 'failed',
			attempts: 1,
			response_status: null,
			error: 'Refused: 127.0.0.1 is a loopback address; webhooks may only call public addresses.',
		})
		expect(received.filter((r) => r.path === '/rebound')).toEqual([])
	})
})

describe('the delivery log', () => {
	it('keeps settled deliveries for 30 days (cleanup-expired-rows)', async () => {
		const { token } = await register(web.baseUrl)
		const { webhook } = await createWebhook(token, { url: `${receiverUrl}/old` })
		const rows = await sql<Array<{ id: string }>>`
			insert into webhook_deliveries (webhook_id, event_id, event_type, payload, created_at, completed_at)
			values
				(${webhook.id}, gen_random_uuid(), 'webhook.test', '{}', now() - interval '31 days', now() - interval '31 days'),
				(${webhook.id}, gen_random_uuid(), 'webhook.test', '{}', now() - interval '29 days', now() - interval '29 days'),
				(${webhook.id}, gen_random_uuid(), 'webhook.test', '{}', now() - interval '31 days', null)
			returning id`
		const { deleteExpiredRows } = await import('~/admin/expired-rows.server')
		const removed = await deleteExpiredRows({ batchSize: 100 })
		expect(removed.webhookDeliveries).toBe(1)
		const left = await sql`select id from webhook_deliveries where webhook_id = ${webhook.id}`
		// The recent one, and the old one still in flight.
		expect(left.map((r) => r.id).sort()).toEqual([rows[1]!.id, rows[2]!.id].sort())
	})
})

describe('the URL rules without WEBHOOK_ALLOW_HTTP', () => {
	it('accepts only https URLs without credentials', async () => {
		const { parseWebhookUrl } = await import('~/webhooks/address.server')
		expect(parseWebhookUrl('https://hooks.example.com/x').host).toBe('hooks.example.com')
		expect(() => parseWebhookUrl('http://hooks.example.com/x')).toThrow(/must be an https:\/\//)
		expect(() => parseWebhookUrl('ftp://hooks.example.com/x')).toThrow(/must be an https:\/\//)
		expect(() => parseWebhookUrl('https://user:pw@hooks.example.com/')).toThrow(/user name/)
		expect(() => parseWebhookUrl('not a url')).toThrow(/not a valid absolute URL/)
	})
})

describe('access and validation', () => {
	let owner: string
	let other: string
	let webhookId: string

	beforeAll(async () => {
		;[{ token: owner }, { token: other }] = await Promise.all([
			register(web.baseUrl),
			register(web.baseUrl),
		])
		;({
			webhook: { id: webhookId },
		} = await createWebhook(owner, { url: `${receiverUrl}/private`, events: ['image.failed'] }))
	})

	it("answers 404 for another user's webhook, as for a missing one", async () => {
		const attempts: Array<[string, string]> = [
			['GET', `/api/webhooks/${webhookId}`],
			['DELETE', `/api/webhooks/${webhookId}`],
			['POST', `/api/webhooks/${webhookId}/test`],
			['GET', `/api/webhooks/${webhookId}/deliveries`],
			['GET', '/api/webhooks/not-a-uuid'],
			['GET', '/api/webhooks/00000000-0000-4000-8000-000000000000/deliveries'],
		]
		for (const [method, path] of attempts) {
			await expectProblem(await api(web.baseUrl, path, { method, token: other }), 404)
		}
		const list = await api(web.baseUrl, '/api/webhooks', { token: other })
		expect(await list.json()).toEqual({ items: [] })
		// Still there for its owner.
		expect((await api(web.baseUrl, `/api/webhooks/${webhookId}`, { token: owner })).status).toBe(
			200,
		)
	})

	it('answers 401 without a token', async () => {
		await expectProblem(await api(web.baseUrl, '/api/webhooks'), 401)
		await expectProblem(
			await api(web.baseUrl, '/api/webhooks', { method: 'POST', json: { url: receiverUrl } }),
			401,
		)
	})

	it.each([
		[{}, 'url'],
		[{ url: '' }, 'url'],
		[{ url: 'https://hooks.example.com', events: [] }, 'events'],
		[{ url: 'https://hooks.example.com', events: ['image.exploded'] }, 'events.0'],
		[{ url: 'https://hooks.example.com', description: 'x'.repeat(201) }, 'description'],
		[{ url: 'ftp://hooks.example.com' }, 'url'],
	])('answers 422 for %j', async (body, path) => {
		const response = await api(web.baseUrl, '/api/webhooks', {
			method: 'POST',
			token: owner,
			json: body,
		})
		const problem = await expectProblem(response, 422)
		expect(problem.errors?.map((e) => e.path)).toContain(path)
	})

	it('answers 400 for a body that is not JSON, and 422 for a bad deliveries limit', async () => {
		await expectProblem(
			await api(web.baseUrl, '/api/webhooks', {
				method: 'POST',
				token: owner,
				headers: { 'Content-Type': 'application/json' },
				body: '{"url":',
			}),
			400,
		)
		await expectProblem(
			await api(web.baseUrl, `/api/webhooks/${webhookId}/deliveries?limit=0`, { token: owner }),
			422,
		)
	})

	it('caps webhooks at 10 per user', async () => {
		const { token } = await register(web.baseUrl)
		for (let i = 0; i < 10; i++) {
			await createWebhook(token, { url: `${receiverUrl}/cap/${i}`, events: ['image.failed'] })
		}
		const problem = await expectProblem(
			await api(web.baseUrl, '/api/webhooks', {
				method: 'POST',
				token,
				json: { url: `${receiverUrl}/cap/10` },
			}),
			409,
		)
		expect(problem.detail).toMatch(/10 webhooks/)
	})
})

describe('the settings page without JavaScript', () => {
	let cookie: string

	/** A plain form POST, as a browser without JavaScript sends it. */
	const post = (path: string, fields: Array<[string, string]>) =>
		fetch(new URL(path, web.baseUrl), {
			method: 'POST',
			redirect: 'manual',
			headers: {
				'Content-Type': 'application/x-www-form-urlencoded',
				Origin: web.baseUrl,
				...(cookie ? { Cookie: cookie } : {}),
			},
			body: new URLSearchParams(fields).toString(),
		})

	beforeAll(async () => {
		const { email, password } = await register(web.baseUrl)
		cookie = ''
		const login = await post('/login', [
			['email', email],
			['password', password],
			['redirectTo', '/settings/webhooks'],
		])
		expect(login.status).toBe(302)
		cookie = login.headers.get('Set-Cookie')!.split(';')[0]!
	})

	it('adds a webhook, shows its secret once, sends a test event and deletes it', async () => {
		const empty = await fetch(new URL('/settings/webhooks', web.baseUrl), {
			headers: { Cookie: cookie },
		})
		expect(await empty.text()).toContain('No webhooks yet.')

		const refused = await post('/settings/webhooks', [
			['intent', 'create'],
			['url', `${receiverUrl}/page`],
		])
		expect(refused.status).toBe(422)
		expect(await refused.text()).toContain('Choose at least one known event.')

		const created = await post('/settings/webhooks', [
			['intent', 'create'],
			['url', `${receiverUrl}/page`],
			['events', 'image.deleted'],
			['description', 'From the page'],
		])
		expect(created.status).toBe(200)
		const html = await created.text()
		const secret = /whsec_[A-Za-z0-9+/=]+/.exec(html)?.[0]
		expect(secret).toBeDefined()
		expect(html).toContain(`${receiverUrl}/page`)

		const again = await fetch(new URL('/settings/webhooks', web.baseUrl), {
			headers: { Cookie: cookie },
		})
		const listed = await again.text()
		expect(listed).toContain('From the page')
		expect(listed).not.toContain(secret)
		const id = /name="id" value="([0-9a-f-]{36})"/.exec(listed)![1]!

		const tested = await post('/settings/webhooks', [
			['intent', 'test'],
			['id', id],
		])
		expect(await tested.text()).toContain('Test event queued')
		const hit = await until(
			'the test event from the page',
			() => receivedAt('/page', 'webhook.test')[0],
		)
		expect(hasValidSignature(secret!, hit)).toBe(true)
		await until('the delivery log to show it', async () => {
			const page = await fetch(new URL('/settings/webhooks', web.baseUrl), {
				headers: { Cookie: cookie },
			})
			const text = await page.text()
			return text.includes('data-status="succeeded"') ? text : undefined
		})

		const deleted = await post('/settings/webhooks', [
			['intent', 'delete'],
			['id', id],
		])
		const after = await deleted.text()
		expect(after).toContain('Webhook deleted.')
		expect(after).toContain('No webhooks yet.')
	})
})
