import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
	api,
	type AppProcess,
	register,
	startWeb,
	startWorker,
	type WebProcess,
} from '#tests/support/app'

// One slow endpoint must not hold up everyone's webhooks: deliveries to one
// webhook run one at a time (a graphile-worker queue per webhook), so a
// stalled endpoint holds one delivery slot while other webhooks' events go
// out beside it. And an endpoint that never completes the connection gives
// up its slot after the connect timeout, before the total one.

// The delivery code also runs in this process (the connect timeout test).
process.env.WEBHOOK_ALLOW_HTTP = 'true'
process.env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = 'true'
const permissive = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }

let web: WebProcess
let worker: AppProcess
let sql: postgres.Sql
const servers: Array<http.Server | net.Server> = []

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	;[web, worker] = await Promise.all([startWeb(permissive), startWorker(permissive)])
})

afterAll(async () => {
	const { sqlClient } = await import('#app/db.server')
	await sqlClient.end()
	await Promise.all([web?.stop(), worker?.stop()])
	for (const server of servers) {
		if (server instanceof http.Server) server.closeAllConnections()
		server.close()
	}
	await sql?.end()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(what: string, probe: () => T | undefined) {
	const deadline = Date.now() + 20_000
	for (;;) {
		const value = probe()
		if (value !== undefined) return value
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
		await sleep(50)
	}
}

async function listen<T extends http.Server | net.Server>(server: T) {
	servers.push(server)
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Takes every request and never answers: how many are open now, at most, and whether one has ended. */
async function stalledEndpoint() {
	const state = { open: 0, maxOpen: 0, received: 0, firstEnded: false }
	const address = await listen(
		http.createServer((request, response) => {
			state.received++
			state.open++
			state.maxOpen = Math.max(state.maxOpen, state.open)
			request.resume()
			// Only the caller giving up (its timeout) ends an unanswered response.
			response.once('close', () => {
				state.open--
				state.firstEnded = true
			})
		}),
	)
	return { url: `http://${address}/stalled`, state }
}

async function healthyEndpoint() {
	const eventIds: string[] = []
	const address = await listen(
		http.createServer((request, response) => {
			const chunks: Buffer[] = []
			request.on('data', (chunk: Buffer) => chunks.push(chunk))
			request.on('end', () => {
				eventIds.push((JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id)
				response.end('thanks')
			})
		}),
	)
	return { url: `http://${address}/healthy`, eventIds }
}

async function createWebhook(url: string) {
	const { token, user } = await register(web.baseUrl)
	const response = await api(web.baseUrl, '/api/webhooks', {
		method: 'POST',
		token,
		json: { url, events: ['image.completed'] },
	})
	expect(response.status, await response.clone().text()).toBe(201)
	const { webhook } = (await response.json()) as { webhook: { id: string } }
	return { token, userId: user.id, webhookId: webhook.id }
}

/** Queues a webhook.test event for this webhook, as the database does for every event. */
async function enqueueEvent(userId: string, webhookId: string) {
	const [row] = await sql<[{ id: string }]>`
		select enqueue_webhook_event(${userId}::uuid, 'webhook.test', '{}'::jsonb, ${webhookId}::uuid) as id`
	return row.id
}

test("a stalled endpoint holds one delivery slot at most; another webhook's events go out meanwhile", async () => {
	const stalled = await stalledEndpoint()
	const healthy = await healthyEndpoint()
	const slow = await createWebhook(stalled.url)
	const fine = await createWebhook(healthy.url)

	// A backlog for the stalled endpoint (the worker has 4 delivery slots),
	// queued both ways: by the database, and by resending from the API.
	const first = await enqueueEvent(slow.userId, slow.webhookId)
	for (let i = 0; i < 4; i++) await enqueueEvent(slow.userId, slow.webhookId)
	for (let i = 0; i < 3; i++) {
		const resent = await api(
			web.baseUrl,
			`/api/webhooks/${slow.webhookId}/deliveries/${first}/retry`,
			{ method: 'POST', token: slow.token },
		)
		expect(resent.status).toBe(202)
	}
	await until('the stalled endpoint to be called', () => stalled.state.open || undefined)
	// Time for more of the backlog to be taken, were it allowed to.
	await sleep(1500)

	const events = [
		await enqueueEvent(fine.userId, fine.webhookId),
		await enqueueEvent(fine.userId, fine.webhookId),
		await enqueueEvent(fine.userId, fine.webhookId),
	]
	await until('the healthy endpoint to receive its events', () =>
		healthy.eventIds.length >= events.length ? true : undefined,
	)
	// Received while the stalled endpoint still held its first delivery (it
	// lets go only at the 10 s timeout), not once slots came free; and that
	// endpoint was only ever called once at a time.
	expect({ ...stalled.state, healthyReceived: healthy.eventIds.length }).toEqual({
		open: 1,
		maxOpen: 1,
		received: 1,
		firstEnded: false,
		healthyReceived: events.length,
	})

	// Stop the retries before the worker stops.
	await api(web.baseUrl, `/api/webhooks/${slow.webhookId}`, { method: 'DELETE', token: slow.token })
})

test('an endpoint that takes the TCP connection but never completes TLS is given up after the connect timeout', async () => {
	let connections = 0
	const address = await listen(
		net.createServer((socket) => {
			connections++
			socket.resume()
		}),
	)
	const { sendWebhook } = await import('#app/webhooks/send.server')
	const result = await sendWebhook({
		url: `https://${address}/hook`,
		secret: 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64'),
		messageId: 'msg_1',
		body: '{}',
	})
	expect(connections).toBe(1)
	expect(result).toMatchObject({
		ok: false,
		responseStatus: null,
		// Not the total timeout's "No answer within 10 s".
		error: 'No connection within 5 s',
	})
})
