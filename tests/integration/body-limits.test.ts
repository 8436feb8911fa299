import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'
import { largeJpeg } from '#tests/support/images'

// MAX_BODY_BYTES (64 KiB by default) on every route but the uploads, on raw
// sockets: a declared length over it is refused before a byte of the body is
// read, a chunked body as soon as it passes it, and the connection stays usable.

const LIMIT = 64 * 1024
let web: WebProcess

beforeAll(async () => {
	web = await startWeb()
})

afterAll(async () => {
	await web?.stop()
})

describe('a body over MAX_BODY_BYTES', () => {
	it('is refused from its declared Content-Length alone: 413 problem+json on the API', async () => {
		const { socket, received } = connect()
		// 400 MB announced, nothing sent: the answer cannot wait for the body.
		socket.write(
			head('/api/auth/login', { 'Content-Type': 'application/json', 'Content-Length': 400e6 }),
		)
		const response = await received.next()
		expect(response.status).toBe(413)
		await expectProblem(toResponse(response), 413)
		socket.destroy()
	})

	it('is refused from its declared Content-Length alone: a readable 413 page on /login', async () => {
		const { socket, received } = connect()
		socket.write(
			head('/login', {
				'Content-Type': 'application/x-www-form-urlencoded',
				'Content-Length': 400e6,
			}),
		)
		const response = await received.next()
		expect(response.status).toBe(413)
		expect(response.headers['content-type']).toMatch(/^text\/html/)
		expect(response.body).toContain('larger than Darkroom accepts')
		socket.destroy()
	})

	it('is refused as soon as a chunked body passes the limit, and the connection stays usable', async () => {
		const { socket, received } = connect()
		socket.write(
			head('/api/auth/register', {
				'Content-Type': 'application/json',
				'Transfer-Encoding': 'chunked',
			}),
		)
		// Just past the limit, then nothing more until the answer comes: the
		// server must answer without waiting for the end of the body.
		const piece = Buffer.alloc(8 * 1024, 'x')
		for (let sent = 0; sent <= LIMIT; sent += piece.length) socket.write(chunk(piece))
		const answer = await received.next()
		expect(answer.status).toBe(413)
		expect(answer.headers.connection).not.toBe('close')
		await expectProblem(toResponse(answer), 413)

		// A client that does not look at early answers keeps sending, then ends the body.
		for (let i = 0; i < 32; i++) socket.write(chunk(piece))
		socket.write('0\r\n\r\n')
		socket.write(head('/api/health', {}, 'GET'))
		const next = await received.next()
		expect(next.status).toBe(200)
		socket.destroy()
	})

	it('is not read to its end: a client sending 400 MB to /login is cut off at the discard bound', async () => {
		const { socket, received } = connect()
		const total = 400e6
		socket.write(
			head('/login', {
				'Content-Type': 'application/x-www-form-urlencoded',
				'Content-Length': total,
			}),
		)
		const answer = received.next()
		const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
		const piece = Buffer.alloc(1024 * 1024, 'x')
		let sent = 0
		while (!socket.destroyed && sent < total) {
			sent += piece.length
			if (!socket.write(piece)) {
				await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed])
			}
		}
		await closed
		expect((await answer).status).toBe(413)
		// Discarded up to 64 MiB after the answer, plus what the socket buffers held.
		expect(sent).toBeLessThan(256 * 1024 * 1024)
	})

	it('is refused on a page form too, with a readable page', async () => {
		const { socket, received } = connect()
		socket.write(
			head('/login', {
				'Content-Type': 'application/x-www-form-urlencoded',
				'Transfer-Encoding': 'chunked',
			}),
		)
		socket.write(chunk(Buffer.from(`email=a%40b.test&password=${'x'.repeat(LIMIT)}`)))
		const response = await received.next()
		expect(response.status).toBe(413)
		expect(response.body).toContain('413')
		socket.destroy()
	})
})

describe('bodies under MAX_BODY_BYTES and uploads', () => {
	it('reads a JSON body close to the limit, declared or chunked', async () => {
		const account = await register(web.baseUrl)
		const padded = JSON.stringify({
			email: account.email,
			password: account.password,
			padding: 'x'.repeat(LIMIT - 1024),
		})
		const declared = await api(web.baseUrl, '/api/auth/login', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: padded,
		})
		expect(declared.status, await declared.clone().text()).toBe(200)

		const chunked = await api(web.baseUrl, '/api/auth/register', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: stream(JSON.stringify({ email: randomEmail(), password: 'correct horse battery' })),
			duplex: 'half',
		} as RequestInit)
		expect(chunked.status, await chunked.clone().text()).toBe(201)
	})

	it('signs in with a multipart page form', async () => {
		const account = await register(web.baseUrl)
		const form = new FormData()
		form.set('email', account.email)
		form.set('password', account.password)
		const response = await api(web.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: form,
		})
		expect(response.status).toBe(302)
		expect(response.headers.get('Set-Cookie')).toMatch(/^darkroom_session=/)
	})

	it('leaves uploads to MAX_UPLOAD_BYTES: the API and the gallery form take a file of megabytes', async () => {
		const account = await register(web.baseUrl)
		const jpeg = await largeJpeg()
		expect(jpeg.length).toBeGreaterThan(LIMIT * 10)

		const form = () => {
			const body = new FormData()
			body.append('file', new Blob([jpeg as Uint8Array<ArrayBuffer>]), 'large.jpg')
			return body
		}
		const viaApi = await api(web.baseUrl, '/api/images', {
			method: 'POST',
			token: account.token,
			body: form(),
		})
		expect(viaApi.status, await viaApi.clone().text()).toBe(202)

		const signIn = await api(web.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: new URLSearchParams({ email: account.email, password: account.password }),
		})
		const cookie = signIn.headers.get('Set-Cookie')!.split(';')[0]!
		// What a browser without JavaScript posts: the form has no action, so the page's own URL.
		const viaPage = await api(web.baseUrl, '/images', {
			method: 'POST',
			headers: { Cookie: cookie, Origin: web.baseUrl },
			body: form(),
		})
		expect(viaPage.status, await viaPage.clone().text()).toBe(302)
		expect(viaPage.headers.get('Location')).toMatch(/^\/images\/[0-9a-f-]{36}$/)
	})
})

// ---------------------------------------------------------------------------
// Raw HTTP/1.1 on a socket

function connect() {
	const socket = net.connect(Number(new URL(web.baseUrl).port), '127.0.0.1')
	socket.on('error', () => {}) // a reset after the test is done with it
	return { socket, received: collect(socket) }
}

function head(pathname: string, headers: Record<string, string | number>, method = 'POST') {
	const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
	return `${method} ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`
}

const chunk = (bytes: Buffer) =>
	Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')])

/** A body with no Content-Length: fetch sends it chunked. */
const stream = (text: string) =>
	new ReadableStream({
		start(controller) {
			controller.enqueue(new TextEncoder().encode(text))
			controller.close()
		},
	})

type RawResponse = { status: number; headers: Record<string, string>; body: string }

/** Splits one complete response off the front of `text`, or undefined while it is incomplete. */
function parseOne(text: string): { response: RawResponse; rest: string } | undefined {
	const end = text.indexOf('\r\n\r\n')
	if (end < 0) return undefined
	const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
	const headers = Object.fromEntries(
		lines.map((line) => {
			const colon = line.indexOf(':')
			return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
		}),
	)
	const status = Number(statusLine.split(' ')[1])
	let rest = text.slice(end + 4)
	let body = ''
	if (headers['transfer-encoding'] === 'chunked') {
		for (;;) {
			const sizeEnd = rest.indexOf('\r\n')
			if (sizeEnd < 0) return undefined
			const size = parseInt(rest.slice(0, sizeEnd), 16)
			if (rest.length < sizeEnd + 2 + size + 2) return undefined
			body += rest.slice(sizeEnd + 2, sizeEnd + 2 + size)
			rest = rest.slice(sizeEnd + 2 + size + 2)
			if (size === 0) break
		}
	} else {
		const length = Number(headers['content-length'] ?? 0)
		if (rest.length < length) return undefined
		body = rest.slice(0, length)
		rest = rest.slice(length)
	}
	return { response: { status, headers, body }, rest }
}

const toResponse = ({ status, headers, body }: RawResponse) =>
	new Response(body, { status, headers })

/** Responses as they arrive on a raw socket; each wait lasts 10 s at most. */
function collect(socket: net.Socket) {
	let text = ''
	const waiters = new Set<() => void>()
	socket.on('data', (data: Buffer) => {
		text += data.toString('latin1')
		for (const wake of waiters) wake()
	})
	return {
		next: () =>
			new Promise<RawResponse>((resolve, reject) => {
				const check = () => {
					const parsed = parseOne(text)
					if (!parsed) return
					waiters.delete(check)
					clearTimeout(timer)
					text = parsed.rest
					resolve(parsed.response)
				}
				const timer = setTimeout(() => {
					waiters.delete(check)
					reject(new Error(`waited 10 s for a response; received: ${text.slice(0, 500)}`))
				}, 10_000)
				waiters.add(check)
				check()
			}),
	}
}
