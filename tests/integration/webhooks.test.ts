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
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Webhooks end to end: a real web process and worker that may call a local
// receiver (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_ADDRESSES), a second
// web process with the default guard against private addresses, and an HTTP
// receiver started here that checks every signature on its own. The worker
// disables a webhook after 3 deliveries in a row failed for good.

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
	enabled: boolean
	disabledAt: string | null
	disabledReason: string | null
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
	payload: Received['event']
}

const permissive = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }
const DISABLE_AFTER_FAILURES = 3

let web: WebProcess
let guardedWeb: WebProcess
let worker: AppProcess
let sql: postgres.Sql
let receiver: http.Server
let receiverUrl: string
const received: Received[] = []
/** Statuses the receiver answers with, in order; 200 once they run out. */
const plannedStatuses: number[] = []
/** Paths the receiver answers 500 on, whatever is planned: an endpoint that is down. */
const failingPaths = new Set<string>()

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	receiver = http.createServer((request, response) => {
		const chunks: Buffer[] = []
		request.on('data', (chunk: Buffer) => chunks.push(chunk))
		request.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8')
			const path = request.url ?? ''
			const status = failingPaths.has(path) ? 500 : (plannedStatuses.shift() ?? 200)
			received.push({
				path,
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
		startWorker({
			...permissive,
			WEBHOOK_DISABLE_AFTER_FAILURES: String(DISABLE_AFTER_FAILURES),
		}),
	])
})

afterAll(async () => {
	// The app's own pool, if a test ran app code in-process.
	const { sqlClient } = await import('#app/db.server')
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

const patchWebhook = (token: string, id: string, json: unknown, base = web.baseUrl) =>
	api(base, `/api/webhooks/${id}`, { method: 'PATCH', token, json })

async function webhookOf(token: string, id: string) {
	const response = await api(web.baseUrl, `/api/webhooks/${id}`, { token })
	expect(response.status).toBe(200)
	return ((await response.json()) as { webhook: Webhook }).webhook
}

async function sendTestEvent(token: string, webhookId: string) {
	const response = await api(web.baseUrl, `/api/webhooks/${webhookId}/test`, {
		method: 'POST',
		token,
	})
	const text = await response.text()
	expect(response.status, text).toBe(202)
	return (JSON.parse(text) as { delivery: Delivery }).delivery
}

async function statusesOf(deliveryIds: string[]) {
	const rows = await sql<Array<{ status: Delivery['status'] }>>`
		select status from webhook_deliveries where id in ${sql(deliveryIds)}`
	return rows.map((row) => row.status)
}

/**
 * Sends `count` test events at once to a webhook whose endpoint answers 500,
 * and waits until each has failed for good. Instead of half an hour of
 * backoff, each job skips ahead to its last attempt once its first has failed.
 */
async function failForGood(token: string, webhookId: string, count: number) {
	const deliveries = await Promise.all(
		Array.from({ length: count }, () => sendTestEvent(token, webhookId)),
	)
	const ids = deliveries.map((delivery) => delivery.id)
	await until(`${count} deliveries to fail for good`, async () => {
		await sql`select graphile_worker.reschedule_jobs(array(
			select j.id from graphile_worker.jobs j
			join graphile_worker._private_jobs p on p.id = j.id
			where p.payload->>'deliveryId' in ${sql(ids)}
				and j.attempts between 1 and 6
		), run_at := now(), attempts := 7)`
		const statuses = await statusesOf(ids)
		return statuses.every((status) => status === 'failed') ? statuses : undefined
	})
	return deliveries
}

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
			enabled: true,
			disabledAt: null,
			disabledReason: null,
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
		['http://localhost:9/hook', /localhost resolves to an address that is not public/],
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

	it('does not tell what a refused name resolves to: the log has it', async () => {
		const response = await api(guardedWeb.baseUrl, '/api/webhooks', {
			method: 'POST',
			token,
			json: { url: 'http://localhost:9/hook' },
		})
		const text = await response.text()
		expect(response.status).toBe(422)
		expect(text).toContain('localhost resolves to an address that is not public')
		for (const leak of ['127.0.0.1', '::1', 'loopback']) expect(text).not.toContain(leak)
		const logged = await until('the refusal in the log', () =>
			guardedWeb
				.logs()
				.find(
					(line) => line.msg === 'Webhook URL refused: its host resolves to a non-public address',
				),
		)
		expect(logged).toMatchObject({
			host: 'localhost',
			address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
			kind: 'a loopback address',
		})
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
		const { attemptDelivery } = await import('#app/webhooks/delivery.server')
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
		const { deleteExpiredRows } = await import('#worker/tasks/cleanup-expired-rows')
		const removed = await deleteExpiredRows({ batchSize: 100 })
		expect(removed.webhookDeliveries).toBe(1)
		const left = await sql`select id from webhook_deliveries where webhook_id = ${webhook.id}`
		// The recent one, and the old one still in flight.
		expect(left.map((r) => r.id).sort()).toEqual([rows[1]!.id, rows[2]!.id].sort())
	})
})

describe('the URL rules without WEBHOOK_ALLOW_HTTP', () => {
	it('accepts only https URLs without credentials', async () => {
		const { parseWebhookUrl } = await import('#app/webhooks/address.server')
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

describe('editing a webhook (PATCH)', () => {
	let token: string
	let webhook: Webhook

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
		;({ webhook } = await createWebhook(token, {
			url: `${receiverUrl}/before`,
			events: ['image.deleted'],
			description: 'Before',
		}))
	})

	it('changes the URL, events and description, and delivers to the new URL', async () => {
		const response = await patchWebhook(token, webhook.id, {
			url: `${receiverUrl}/after`,
			events: ['image.failed', 'image.deleted', 'image.failed'],
			description: '  After  ',
		})
		const text = await response.text()
		expect(response.status, text).toBe(200)
		const edited = (JSON.parse(text) as { webhook: Webhook }).webhook
		expect(edited).toEqual({
			...webhook,
			url: `${receiverUrl}/after`,
			events: ['image.failed', 'image.deleted'],
			description: 'After',
		})
		// Presented as GET presents it, and kept.
		expect(await webhookOf(token, webhook.id)).toEqual(edited)

		const delivery = await sendTestEvent(token, webhook.id)
		const hit = await until('the test event at the new URL', () =>
			received.find((r) => r.event.id === delivery.eventId),
		)
		expect(hit.path).toBe('/after')
		expect(receivedAt('/before', 'webhook.test')).toEqual([])
	})

	it('keeps what is not given; an empty body changes nothing and null removes the description', async () => {
		const before = await webhookOf(token, webhook.id)
		const unchanged = await patchWebhook(token, webhook.id, {})
		expect(unchanged.status).toBe(200)
		expect(await unchanged.json()).toEqual({ webhook: before })

		const response = await patchWebhook(token, webhook.id, { description: null })
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ webhook: { ...before, description: null } })
	})

	it('checks a new URL as registration does: a private address is refused unless allowed', async () => {
		const { token: guarded } = await register(guardedWeb.baseUrl)
		// An IP literal: public, and needs no DNS.
		const { webhook: publicHook } = await createWebhook(
			guarded,
			{ url: 'https://93.184.215.14/hook' },
			guardedWeb.baseUrl,
		)
		for (const [url, reason] of [
			['http://127.0.0.1:9/hook', /127\.0\.0\.1 is a loopback address/],
			['https://10.1.2.3/hook', /private \(RFC 1918\)/],
			['ftp://93.184.215.14/hook', /must be an http:\/\/ or https:\/\/ URL/],
		] as const) {
			const problem = await expectProblem(
				await patchWebhook(
					guarded,
					publicHook.id,
					{ url, description: 'moved' },
					guardedWeb.baseUrl,
				),
				422,
			)
			expect(problem.errors).toEqual([{ path: 'url', message: expect.stringMatching(reason) }])
		}
		// Nothing of a refused edit is kept.
		const kept = await api(guardedWeb.baseUrl, `/api/webhooks/${publicHook.id}`, {
			token: guarded,
		})
		expect(((await kept.json()) as { webhook: Webhook }).webhook).toEqual(publicHook)
		// The web process that allows private addresses took the loopback receiver above.
		expect((await webhookOf(token, webhook.id)).url).toBe(`${receiverUrl}/after`)
	})

	it("answers 404 for another user's webhook or an unknown id, 400 for bad JSON, 405 for PUT", async () => {
		const { token: stranger } = await register(web.baseUrl)
		const before = await webhookOf(token, webhook.id)
		for (const id of [webhook.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
			await expectProblem(await patchWebhook(stranger, id, { enabled: false }), 404)
		}
		expect(await webhookOf(token, webhook.id)).toEqual(before)
		await expectProblem(
			await api(web.baseUrl, `/api/webhooks/${webhook.id}`, {
				method: 'PATCH',
				token,
				headers: { 'Content-Type': 'application/json' },
				body: '{"enabled":',
			}),
			400,
		)
		const put = await api(web.baseUrl, `/api/webhooks/${webhook.id}`, { method: 'PUT', token })
		await expectProblem(put, 405)
		expect(put.headers.get('Allow')).toBe('GET, PATCH, DELETE')
		await expectProblem(await patchWebhook(token, webhook.id, { url: 'x' }), 422)
		await expectProblem(await api(web.baseUrl, `/api/webhooks/${webhook.id}`), 401)
	})

	it.each([
		[{ url: '' }, 'url'],
		[{ events: [] }, 'events'],
		[{ events: ['image.exploded'] }, 'events.0'],
		[{ description: 'x'.repeat(201) }, 'description'],
		[{ enabled: 'no' }, 'enabled'],
	])('answers 422 for %j and changes nothing', async (body, path) => {
		const before = await webhookOf(token, webhook.id)
		const problem = await expectProblem(await patchWebhook(token, webhook.id, body), 422)
		expect(problem.errors?.map((e) => e.path)).toContain(path)
		expect(await webhookOf(token, webhook.id)).toEqual(before)
	})
})

describe('disabling and enabling a webhook', () => {
	let token: string

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
	})

	it('records no events while disabled, and delivers again once enabled', async () => {
		const { webhook } = await createWebhook(token, {
			url: `${receiverUrl}/toggle`,
			events: ['image.completed'],
		})
		const disabling = await patchWebhook(token, webhook.id, { enabled: false })
		expect(disabling.status).toBe(200)
		const { webhook: disabled } = (await disabling.json()) as { webhook: Webhook }
		expect(disabled).toEqual({
			...webhook,
			enabled: false,
			disabledAt: expect.stringMatching(/Z$/),
			disabledReason: 'Disabled by its owner.',
		})
		// Disabling again keeps when and why it was first disabled.
		const again = await patchWebhook(token, webhook.id, { enabled: false, description: 'Paused' })
		expect(((await again.json()) as { webhook: Webhook }).webhook).toEqual({
			...disabled,
			description: 'Paused',
		})

		const quiet = await uploadFile(web.baseUrl, token, await smallJpeg(), 'quiet.jpg')
		const quietId = ((await quiet.json()) as { id: string }).id
		expect((await waitForTerminal(web.baseUrl, token, quietId)).overallStatus).toBe('completed')
		// The event would have been recorded with the status change: there is none.
		expect(await deliveriesOf(token, webhook.id)).toEqual([])
		const test = await api(web.baseUrl, `/api/webhooks/${webhook.id}/test`, {
			method: 'POST',
			token,
		})
		expect((await expectProblem(test, 409)).detail).toMatch(/disabled/)
		expect(await deliveriesOf(token, webhook.id)).toEqual([])

		const enabling = await patchWebhook(token, webhook.id, { enabled: true })
		expect(((await enabling.json()) as { webhook: Webhook }).webhook).toEqual({
			...webhook,
			description: 'Paused',
		})
		const heard = await uploadFile(web.baseUrl, token, await smallJpeg(), 'heard.jpg')
		const heardId = ((await heard.json()) as { id: string }).id
		await waitForTerminal(web.baseUrl, token, heardId)
		const hit = await until('image.completed after enabling', () =>
			receivedAt('/toggle', 'image.completed').find((r) => r.event.data.imageId === heardId),
		)
		expect(hit.event.data.filename).toBe('heard.jpg')
		expect(received.filter((r) => r.event.data.imageId === quietId)).toEqual([])
		expect((await deliveriesOf(token, webhook.id)).map((d) => d.eventType)).toEqual([
			'image.completed',
		])
	})

	it('does not send deliveries queued before it was disabled: they fail as not sent', async () => {
		failingPaths.add('/paused')
		const { webhook } = await createWebhook(token, { url: `${receiverUrl}/paused` })
		const queued = await sendTestEvent(token, webhook.id)
		await until('the first attempt to fail', async () => {
			const [status] = await statusesOf([queued.id])
			return status === 'retrying' ? status : undefined
		})
		expect((await patchWebhook(token, webhook.id, { enabled: false })).status).toBe(200)
		const [settled] = await until('the queued delivery to settle', async () => {
			const deliveries = await deliveriesOf(token, webhook.id)
			return deliveries[0]?.status === 'failed' ? deliveries : undefined
		})
		expect(settled).toMatchObject({
			id: queued.id,
			attempts: 1,
			error: 'Webhook disabled; not sent.',
			completedAt: expect.stringMatching(/Z$/),
		})
		// Only the first attempt reached the endpoint.
		expect(received.filter((r) => r.path === '/paused')).toHaveLength(1)
	})
})

describe(`disabling after ${DISABLE_AFTER_FAILURES} deliveries in a row failed`, () => {
	let token: string
	let userId: string

	beforeAll(async () => {
		;({
			token,
			user: { id: userId },
		} = await register(web.baseUrl))
	})

	it('disables the webhook, says why, logs it and records no more events', async () => {
		failingPaths.add('/down')
		const { webhook } = await createWebhook(token, { url: `${receiverUrl}/down` })
		// All at once: settled by concurrent jobs, still counted one by one.
		await failForGood(token, webhook.id, DISABLE_AFTER_FAILURES)
		const disabled = await webhookOf(token, webhook.id)
		expect(disabled).toEqual({
			...webhook,
			enabled: false,
			disabledAt: expect.stringMatching(/Z$/),
			disabledReason: `Disabled after ${DISABLE_AFTER_FAILURES} deliveries in a row failed; last error: Answered 500`,
		})
		const warning = worker.logs().find((line) => line.level === 40 && line.webhookId === webhook.id)
		expect(warning).toMatchObject({ userId, reason: disabled.disabledReason })
		const deliveries = await deliveriesOf(token, webhook.id)
		expect(deliveries.map((d) => [d.status, d.attempts, d.error])).toEqual(
			Array(DISABLE_AFTER_FAILURES).fill(['failed', 2, 'Answered 500']),
		)
		await expectProblem(
			await api(web.baseUrl, `/api/webhooks/${webhook.id}/test`, { method: 'POST', token }),
			409,
		)
	})

	it('counts only failures in a row: a successful delivery starts the count again', async () => {
		failingPaths.add('/flaky')
		const { webhook } = await createWebhook(token, { url: `${receiverUrl}/flaky` })
		await failForGood(token, webhook.id, DISABLE_AFTER_FAILURES - 1)
		expect((await webhookOf(token, webhook.id)).enabled).toBe(true)

		failingPaths.delete('/flaky')
		const success = await sendTestEvent(token, webhook.id)
		await until('the delivery to succeed', async () => {
			const [status] = await statusesOf([success.id])
			return status === 'succeeded' ? status : undefined
		})
		failingPaths.add('/flaky')
		await failForGood(token, webhook.id, DISABLE_AFTER_FAILURES - 1)
		expect((await webhookOf(token, webhook.id)).enabled).toBe(true)
		// The count went on from the success: one more failure is one too many.
		await failForGood(token, webhook.id, 1)
		const disabled = await webhookOf(token, webhook.id)
		expect(disabled.enabled).toBe(false)
		expect(disabled.disabledReason).toMatch(
			`Disabled after ${DISABLE_AFTER_FAILURES} deliveries in a row failed`,
		)

		// Enabling starts afresh: one failure does not disable it again.
		await patchWebhook(token, webhook.id, { enabled: true })
		await failForGood(token, webhook.id, 1)
		expect((await webhookOf(token, webhook.id)).enabled).toBe(true)
	})
})

describe('resending a delivery', () => {
	let token: string
	let webhook: Webhook
	let secret: string
	let original: Delivery

	beforeAll(async () => {
		;({ token } = await register(web.baseUrl))
		failingPaths.add('/resend')
		;({ webhook, secret } = await createWebhook(token, { url: `${receiverUrl}/resend` }))
		original = (await failForGood(token, webhook.id, 1))[0]!
		failingPaths.delete('/resend')
	})

	it('sends the same event again as a new delivery: same webhook-id and body, signed', async () => {
		const response = await api(
			web.baseUrl,
			`/api/webhooks/${webhook.id}/deliveries/${original.id}/retry`,
			{ method: 'POST', token },
		)
		const text = await response.text()
		expect(response.status, text).toBe(202)
		const { delivery } = JSON.parse(text) as { delivery: Delivery }
		expect(delivery).toMatchObject({
			webhookId: webhook.id,
			eventId: original.eventId,
			eventType: 'webhook.test',
			status: 'pending',
			attempts: 0,
			payload: original.payload,
		})
		expect(delivery.id).not.toBe(original.id)

		const hits = await until('the resent event', () => {
			const sofar = received.filter((r) => r.event.id === original.eventId)
			return sofar.some((hit) => hit.answered === 200) ? sofar : undefined
		})
		// The original's two attempts, then the new delivery.
		expect(hits.map((hit) => hit.answered)).toEqual([500, 500, 200])
		const resent = hits[2]!
		expect(resent.headers['webhook-id']).toBe(original.eventId)
		expect(resent.body).toBe(hits[0]!.body)
		expect(hasValidSignature(secret, resent)).toBe(true)

		const log = await until('the resent delivery to succeed', async () => {
			const deliveries = await deliveriesOf(token, webhook.id)
			return deliveries[0]?.status === 'succeeded' ? deliveries : undefined
		})
		expect(log.map((d) => [d.id, d.status])).toEqual([
			[delivery.id, 'succeeded'],
			[original.id, 'failed'],
		])
	})

	it("answers 404 for a delivery that is not this webhook's or not the user's", async () => {
		const { webhook: sibling } = await createWebhook(token, { url: `${receiverUrl}/sibling` })
		const { token: stranger } = await register(web.baseUrl)
		const retry = (asToken: string, webhookId: string, deliveryId: string) =>
			api(web.baseUrl, `/api/webhooks/${webhookId}/deliveries/${deliveryId}/retry`, {
				method: 'POST',
				token: asToken,
			})
		await expectProblem(await retry(token, sibling.id, original.id), 404)
		await expectProblem(await retry(token, webhook.id, 'not-a-uuid'), 404)
		await expectProblem(await retry(token, webhook.id, sibling.id), 404)
		await expectProblem(await retry(stranger, webhook.id, original.id), 404)
		const get = await api(
			web.baseUrl,
			`/api/webhooks/${webhook.id}/deliveries/${original.id}/retry`,
			{ token },
		)
		await expectProblem(get, 405)
		expect(get.headers.get('Allow')).toBe('POST')
		expect((await deliveriesOf(token, sibling.id)).length).toBe(0)
	})

	it('answers 409 while the webhook is disabled', async () => {
		const before = await deliveriesOf(token, webhook.id)
		await patchWebhook(token, webhook.id, { enabled: false })
		const problem = await expectProblem(
			await api(web.baseUrl, `/api/webhooks/${webhook.id}/deliveries/${original.id}/retry`, {
				method: 'POST',
				token,
			}),
			409,
		)
		expect(problem.detail).toBe('This webhook is disabled; enable it first.')
		expect(await deliveriesOf(token, webhook.id)).toEqual(before)
	})
})

describe('the settings page without JavaScript', () => {
	let cookie: string

	/** A plain form POST, as a browser without JavaScript sends it. */
	const postTo = (base: string, session: string, path: string, fields: Array<[string, string]>) =>
		fetch(new URL(path, base), {
			method: 'POST',
			redirect: 'manual',
			headers: {
				'Content-Type': 'application/x-www-form-urlencoded',
				Origin: base,
				...(session ? { Cookie: session } : {}),
			},
			body: new URLSearchParams(fields).toString(),
		})
	const post = (path: string, fields: Array<[string, string]>) =>
		postTo(web.baseUrl, cookie, path, fields)

	async function signIn(base: string, email: string, password: string) {
		const login = await postTo(base, '', '/login', [
			['email', email],
			['password', password],
			['redirectTo', '/settings/webhooks'],
		])
		expect(login.status).toBe(302)
		return login.headers.get('Set-Cookie')!.split(';')[0]!
	}

	beforeAll(async () => {
		const { email, password } = await register(web.baseUrl)
		cookie = await signIn(web.baseUrl, email, password)
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

	it('explains a refused edit in the page, with the form open on what was typed', async () => {
		const { email, password, token } = await register(guardedWeb.baseUrl)
		const { webhook } = await createWebhook(
			token,
			{ url: 'https://93.184.215.14/hook', events: ['image.failed'] },
			guardedWeb.baseUrl,
		)
		const session = await signIn(guardedWeb.baseUrl, email, password)
		const refused = await postTo(guardedWeb.baseUrl, session, '/settings/webhooks', [
			['intent', 'edit'],
			['id', webhook.id],
			['url', 'http://10.0.0.1/hook'],
			['events', 'image.failed'],
			['description', 'Inside'],
		])
		expect(refused.status).toBe(422)
		const html = await refused.text()
		expect(html).toContain(
			'10.0.0.1 is a private (RFC 1918) address; webhooks may only call public addresses.',
		)
		expect(html).toMatch(/<details open=""/)
		expect(html).toContain('value="http://10.0.0.1/hook"')
		// Nothing was changed.
		const kept = await api(guardedWeb.baseUrl, `/api/webhooks/${webhook.id}`, { token })
		expect(((await kept.json()) as { webhook: Webhook }).webhook).toEqual(webhook)
	})
})
