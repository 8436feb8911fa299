import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { since } from './stats'

// A lean HTTP client: node:http with keep-alive sockets. It costs the bench
// process less CPU per request than fetch, which matters when the client
// shares two cores with the server it measures.

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

export type Reply = { status: number; body: Buffer; ms: number }

export type RequestSpec = {
	method?: string
	path: string
	token?: string
	headers?: Record<string, string>
	body?: Buffer
}

export function request(baseUrl: string, spec: RequestSpec): Promise<Reply> {
	const started = performance.now()
	const headers: Record<string, string> = { ...spec.headers }
	if (spec.token) headers.authorization = `Bearer ${spec.token}`
	if (spec.body) headers['content-length'] = String(spec.body.length)
	return new Promise((resolve, reject) => {
		const req = http.request(
			new URL(spec.path, baseUrl),
			{ method: spec.method ?? 'GET', headers, agent },
			(res) => {
				const chunks: Buffer[] = []
				res.on('data', (chunk: Buffer) => chunks.push(chunk))
				res.on('end', () =>
					resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: since(started) }),
				)
				res.on('error', reject)
			},
		)
		req.on('error', reject)
		req.end(spec.body)
	})
}

/** Like request, but a status other than `expected` is an error naming the route. */
export async function expectStatus(baseUrl: string, spec: RequestSpec, expected: number) {
	const reply = await request(baseUrl, spec)
	if (reply.status !== expected) {
		throw new Error(
			`${spec.method ?? 'GET'} ${spec.path} answered ${reply.status}: ${reply.body.toString().slice(0, 500)}`,
		)
	}
	return reply
}

export async function register(baseUrl: string): Promise<{ token: string; userId: string }> {
	const email = `bench-${randomBytes(6).toString('hex')}@example.test`
	const reply = await expectStatus(
		baseUrl,
		{
			method: 'POST',
			path: '/api/auth/register',
			headers: { 'content-type': 'application/json' },
			body: Buffer.from(JSON.stringify({ email, password: 'correct horse battery' })),
		},
		201,
	)
	const body = JSON.parse(reply.body.toString()) as { token: string; user: { id: string } }
	return { token: body.token, userId: body.user.id }
}

/** A multipart/form-data upload built once, so sending it costs the client only the write. */
export type Upload = { body: Buffer; contentType: string }

export function multipart(bytes: Buffer, filename: string): Upload {
	const boundary = `bench${randomBytes(12).toString('hex')}`
	const head =
		`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
		'Content-Type: application/octet-stream\r\n\r\n'
	return {
		body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
		contentType: `multipart/form-data; boundary=${boundary}`,
	}
}

/**
 * Uploads of one JPEG whose bytes differ every time, as real uploads' do (a
 * repeat takes the duplicate path): a counter in a comment segment after SOI.
 * Each request in flight has a body of its own, changed only between sends.
 */
export function distinctJpegUploads(jpeg: Buffer, filename: string) {
	const prefix = 'darkroom-bench-'
	const text = Buffer.from(`${prefix}${'0'.repeat(12)}`)
	const length = Buffer.alloc(2)
	length.writeUInt16BE(text.length + 2)
	const comment = Buffer.concat([Buffer.from([0xff, 0xfe]), length, text])
	const template = multipart(
		Buffer.concat([jpeg.subarray(0, 2), comment, jpeg.subarray(2)]),
		filename,
	)
	const counterAt = template.body.indexOf(prefix) + prefix.length
	const idle: Buffer[] = []
	let sent = 0
	return async (send: (upload: Upload) => Promise<Reply>): Promise<Reply> => {
		const body = idle.pop() ?? Buffer.from(template.body)
		body.write(String(++sent).padStart(12, '0'), counterAt, 'latin1')
		try {
			return await send({ body, contentType: template.contentType })
		} finally {
			idle.push(body)
		}
	}
}

/** POST /api/images; resolves with the new image's id. */
export async function uploadImage(
	baseUrl: string,
	token: string,
	upload: Upload,
	headers: Record<string, string> = {},
): Promise<string> {
	const reply = await expectStatus(
		baseUrl,
		{
			method: 'POST',
			path: '/api/images',
			token,
			headers: { 'content-type': upload.contentType, ...headers },
			body: upload.body,
		},
		202,
	)
	return (JSON.parse(reply.body.toString()) as { id: string }).id
}

export type LoadResult = {
	requests: number
	errors: number
	seconds: number
	perSecond: number
	latencies: number[]
	firstError?: string
}

/**
 * Closed-loop load: `clients` loops each send a request, wait for the whole
 * answer, and send the next, until `seconds` have passed.
 */
export async function closedLoop(
	clients: number,
	seconds: number,
	send: () => Promise<Reply>,
	ok: (reply: Reply) => boolean,
): Promise<LoadResult> {
	const started = performance.now()
	const deadline = started + seconds * 1000
	const latencies: number[] = []
	let errors = 0
	let firstError: string | undefined
	const loop = async () => {
		while (performance.now() < deadline) {
			try {
				const reply = await send()
				if (ok(reply)) latencies.push(reply.ms)
				else {
					errors++
					firstError ??= `${reply.status} ${reply.body.toString().slice(0, 300)}`
				}
			} catch (error) {
				errors++
				firstError ??= String(error)
			}
		}
	}
	await Promise.all(Array.from({ length: clients }, loop))
	const elapsed = since(started) / 1000
	return {
		requests: latencies.length,
		errors,
		seconds: elapsed,
		perSecond: latencies.length / elapsed,
		latencies,
		firstError,
	}
}
