import net from 'node:net'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	listFiles,
	register,
	startWeb,
	uploadFile,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// What an upload must pass before its body is read (issue 14, finding 7):
// the rate limit, page form included, and at most MAX_CONCURRENT_UPLOADS_PER_USER
// (default 4) uploads of one user in flight at once. Held uploads are raw
// sockets that sent the head of their body and then wait.

const DAY = 86_400
const tmpDir = path.join(process.env.DATA_DIR!, 'tmp')
let web: WebProcess
let sql: postgres.Sql
let jpeg: Buffer

beforeAll(async () => {
	;[web, jpeg] = await Promise.all([startWeb({ RATE_LIMIT_UPLOAD: `10/${DAY}s` }), smallJpeg()])
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

/** A user with a bearer token and a browser session cookie. */
async function signedIn() {
	const account = await register(web.baseUrl)
	const page = await api(web.baseUrl, '/login', {
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams({ email: account.email, password: account.password }),
	})
	expect(page.status).toBe(302)
	return { ...account, cookie: page.headers.get('Set-Cookie')!.split(';')[0]! }
}

/** The gallery's plain form (no JavaScript) with these files. */
function uploadPage(cookie: string, files: Array<[Buffer, string]>) {
	const form = new FormData()
	for (const [bytes, name] of files) {
		form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), name)
	}
	return api(web.baseUrl, '/images?index', {
		method: 'POST',
		headers: { Cookie: cookie, Origin: web.baseUrl },
		body: form,
	})
}

const BOUNDARY = 'darkroom-held-upload'
const DECLARED_BYTES = 5 * 1024 * 1024

/**
 * An upload that sends its head and the start of its file part, then waits:
 * a slow client in the middle of a large file. Its body is never finished.
 */
function heldUpload(target: { token: string } | { cookie: string }) {
	const { port } = new URL(web.baseUrl)
	const socket = net.connect(Number(port), '127.0.0.1')
	socket.on('error', () => {})
	let received = ''
	socket.on('data', (data: Buffer) => (received += data.toString('latin1')))
	const auth =
		'token' in target
			? `Authorization: Bearer ${target.token}\r\n`
			: `Cookie: ${target.cookie}\r\nOrigin: ${web.baseUrl}\r\n`
	const pathname = 'token' in target ? '/api/images' : '/images?index'
	socket.write(
		`POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}` +
			`Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
			`Content-Length: ${DECLARED_BYTES}\r\n\r\n` +
			`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\n` +
			`Content-Type: image/jpeg\r\n\r\n`,
	)
	socket.write(jpeg.subarray(0, 1000))
	return { socket, received: () => received }
}

/** Waits (10 s at most) until `check` holds; a liveness wait, not a timing assertion. */
async function eventually(check: () => boolean | Promise<boolean>, what: string) {
	const deadline = Date.now() + 10_000
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`waited 10 s for ${what}`)
		await new Promise((resolve) => setTimeout(resolve, 50))
	}
}

/** Temporary files of uploads being received (API: upload-*, page form: form-upload-*). */
const spooled = () => listFiles(tmpDir)

const slotsOf = async (userId: string) =>
	(
		await sql<[{ n: number }]>`
			select count(*)::int as n from upload_slots where user_id = ${userId}`
	)[0].n

const imageCount = async (userId: string) =>
	(await sql<[{ n: number }]>`select count(*)::int as n from images where user_id = ${userId}`)[0].n

describe('the gallery form upload', () => {
	it('is refused over the rate limit before its body is read', async () => {
		const { token, cookie, user } = await signedIn()
		for (let n = 0; n < 10; n++) {
			expect((await uploadFile(web.baseUrl, token, jpeg, 'a.jpg')).status).toBe(202)
		}
		const held = heldUpload({ cookie })
		// The answer arrives while the 5 MB body is still to come: nothing was read or spooled.
		await eventually(() => /\r\n\r\n[\s\S]*Too many uploads/.test(held.received()), 'the refusal')
		expect(held.received()).toMatch(/^HTTP\/1\.1 429 /)
		expect(held.received()).toMatch(/^retry-after: \d+/im)
		expect(held.received()).toMatch(/Too many uploads: the limit is 10 per 24 hours/)
		expect(spooled()).toEqual([])
		held.socket.destroy()
		expect(await imageCount(user.id)).toBe(10)
	})

	it('counts each file, and never spools one over the limit', async () => {
		const { cookie, user } = await signedIn()
		const files = Array.from({ length: 11 }, (_, i): [Buffer, string] => [
			jpeg,
			`file-${i + 1}.jpg`,
		])
		const response = await uploadPage(cookie, files)
		expect(response.status).toBe(200)
		const page = await response.text()
		expect(page).toMatch(/file-11\.jpg[\s\S]*Too many uploads: the limit is 10 per 24 hours/)
		expect(await imageCount(user.id)).toBe(10)
		const [row] = await sql<[{ count: number }]>`
			select count from rate_limits where key = ${`upload:user:${user.id}`}`
		expect(row.count).toBe(11)
	})
})

describe('uploads in flight per user', () => {
	it('refuses one more than MAX_CONCURRENT_UPLOADS_PER_USER (4) at once, API and page alike, and no one else', async () => {
		const owner = await signedIn()
		const held = Array.from({ length: 4 }, (_, i) =>
			heldUpload(i % 2 === 0 ? { token: owner.token } : { cookie: owner.cookie }),
		)
		// All four are receiving their file (each has a temporary file by now).
		await eventually(() => spooled().length >= 4, 'four uploads in flight')

		const fifth = await uploadFile(web.baseUrl, owner.token, jpeg, 'fifth.jpg')
		const problem = await expectProblem(fifth, 429)
		expect(problem.type).toMatch(/too-many-uploads-in-flight$/)
		expect(problem.detail).toMatch(/already have 4 uploads in progress/)
		expect(Number(fifth.headers.get('Retry-After'))).toBeGreaterThan(0)
		// The contract's RateLimit-* headers: those of the upload limit it was counted against.
		expect(fifth.headers.get('RateLimit-Limit')).toBe('10')

		const page = await uploadPage(owner.cookie, [[jpeg, 'page.jpg']])
		expect(page.status).toBe(429)
		expect(page.headers.get('Retry-After')).toBeTruthy()
		expect(await page.text()).toMatch(/already have 4 uploads in progress/)

		const other = await register(web.baseUrl)
		expect((await uploadFile(web.baseUrl, other.token, jpeg, 'other.jpg')).status).toBe(202)
		expect(spooled()).toHaveLength(4)
		expect(await imageCount(owner.user.id)).toBe(0)

		// Clients that vanish mid-upload give their slots back.
		for (const { socket } of held) socket.destroy()
		await eventually(async () => (await slotsOf(owner.user.id)) === 0, 'the slots to be released')
		expect(spooled()).toEqual([])
		const again = await Promise.all(
			Array.from({ length: 3 }, (_, i) => uploadFile(web.baseUrl, owner.token, jpeg, `${i}.jpg`)),
		)
		expect(again.map((r) => r.status)).toEqual([202, 202, 202])
	})
})

describe('claiming a slot', () => {
	it('gives out exactly the cap when many claims race, and counts expired slots as free', async () => {
		const { user } = await signedIn()
		// Twenty claims on twenty connections at once: the per-user lock inside
		// claim_upload_slot lets 4 through, whatever the interleaving.
		const racers = postgres(process.env.DATABASE_URL!, { max: 20, onnotice: () => {} })
		try {
			const claims = await Promise.all(
				Array.from(
					{ length: 20 },
					() => racers<[{ id: string | null }]>`select claim_upload_slot(${user.id}, 4, 60) as id`,
				),
			)
			expect(claims.filter(([row]) => row.id !== null)).toHaveLength(4)
			expect(await slotsOf(user.id)).toBe(4)
			// A slot whose holder died (expired) is taken over by the next claim.
			await sql`update upload_slots set expires_at = now() - interval '1 second'
				where id = (select id from upload_slots where user_id = ${user.id} limit 1)`
			const [next] = await sql<
				[{ id: string | null }]
			>`select claim_upload_slot(${user.id}, 4, 60) as id`
			expect(next.id).not.toBeNull()
			expect(await slotsOf(user.id)).toBe(4)
		} finally {
			await racers.end()
		}
	})
})
