import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
	api,
	type AppProcess,
	getImage,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Rotating SECRET_KEY with SECRET_KEY_PREVIOUS: sessions, file links and
// webhooks made under the old key keep working while both are set; the
// worker moves webhook secrets to the new key, so the old one can then go.

type Delivered = { headers: http.IncomingHttpHeaders; body: string; type: string }

const permissive = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }
const oldKey = randomBytes(32).toString('hex')
const newKey = randomBytes(32).toString('hex')

let receiver: http.Server
let receiverUrl: string
const delivered: Delivered[] = []
let running: Array<WebProcess | AppProcess> = []

beforeAll(async () => {
	receiver = http.createServer((request, response) => {
		const chunks: Buffer[] = []
		request.on('data', (chunk: Buffer) => chunks.push(chunk))
		request.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8')
			delivered.push({
				headers: request.headers,
				body,
				type: (JSON.parse(body) as { type: string }).type,
			})
			response.writeHead(200).end('ok')
		})
	})
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
})

afterAll(async () => {
	await Promise.all(running.map((p) => p.stop()))
	await new Promise((resolve) => receiver?.close(resolve))
})

async function startBoth(keys: Record<string, string>) {
	const [web, worker] = await Promise.all([
		startWeb({ ...permissive, ...keys }),
		startWorker({ ...permissive, ...keys }),
	])
	running = [web, worker]
	return { web, worker }
}

async function stopBoth() {
	await Promise.all(running.map((p) => p.stop()))
	running = []
}

/** Signs in through the login form, as a browser does; returns the session cookie. */
async function signIn(web: WebProcess, email: string, password: string) {
	const response = await api(web.baseUrl, '/login', {
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams({ email, password }),
	})
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

const galleryStatus = async (web: WebProcess, cookie: string) =>
	(await api(web.baseUrl, '/images', { headers: { Cookie: cookie } })).status

/** Uploads an image and resolves with its image.completed delivery, signature checked by the caller. */
async function completedDelivery(web: WebProcess, token: string) {
	const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'rotation.jpg')
	const { id } = (await response.json()) as { id: string }
	await waitForTerminal(web.baseUrl, token, id)
	const deadline = Date.now() + 20_000
	for (;;) {
		const found = delivered.find((d) => d.type === 'image.completed' && d.body.includes(id))
		if (found) return found
		if (Date.now() > deadline) throw new Error('no image.completed delivery')
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

/** The same signed file link, asked of another web process (each test process has its own port). */
const fetchFrom = (web: WebProcess, link: string) => {
	const { pathname, search } = new URL(link)
	return fetch(new URL(pathname + search, web.baseUrl))
}

/** Standard Webhooks, from the spec alone. */
function signedWith(secret: string, { headers, body }: Delivered) {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
	const expected = createHmac('sha256', key)
		.update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`)
		.digest()
	const given = Buffer.from(String(headers['webhook-signature']).replace(/^v1,/, ''), 'base64')
	return given.length === expected.length && timingSafeEqual(given, expected)
}

test('sessions, file links and webhook secrets survive a SECRET_KEY rotation done with SECRET_KEY_PREVIOUS', async () => {
	// Under the old key: a session, a file link and a webhook with its secret.
	let { web, worker } = await startBoth({ SECRET_KEY: oldKey })
	const { token, email, password } = await register(web.baseUrl)
	const cookie = await signIn(web, email, password)
	const created = await api(web.baseUrl, '/api/webhooks', {
		method: 'POST',
		token,
		json: { url: receiverUrl, events: ['image.completed'] },
	})
	expect(created.status).toBe(201)
	const { secret } = (await created.json()) as { secret: string }
	const first = await completedDelivery(web, token)
	expect(signedWith(secret, first)).toBe(true)
	const { imageId } = (JSON.parse(first.body) as { data: { imageId: string } }).data
	const thumbnailUrl = (await getImage(web.baseUrl, token, imageId)).variants.thumbnail!.url
	expect((await fetchFrom(web, thumbnailUrl)).status).toBe(200)
	await stopBoth()

	// Rotating: the new key signs, the old one is still accepted.
	;({ web, worker } = await startBoth({ SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey }))
	expect(await galleryStatus(web, cookie)).toBe(200)
	expect((await fetchFrom(web, thumbnailUrl)).status).toBe(200)
	const rotating = await completedDelivery(web, token)
	expect(signedWith(secret, rotating)).toBe(true)
	await expect
		.poll(() =>
			worker.logs().find((l) => l.msg === 'Webhook secrets re-encrypted under SECRET_KEY'),
		)
		.toMatchObject({ reencrypted: 1 })
	await stopBoth()

	// Rotated: the old key is gone. Its session and link no longer open; the
	// webhook, re-encrypted meanwhile, still delivers with the same secret.
	;({ web } = await startBoth({ SECRET_KEY: newKey }))
	expect(await galleryStatus(web, cookie)).toBe(302)
	expect((await fetchFrom(web, thumbnailUrl)).status).toBe(403)
	const after = await completedDelivery(web, token)
	expect(signedWith(secret, after)).toBe(true)
}, 120_000)
