import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	listFiles,
	randomEmail,
	startWeb,
	type User,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// Rate limits, login throttling, quotas, CSRF, security headers and CORS on
// real web processes. They trust one proxy hop (TRUST_PROXY=1), so
// X-Forwarded-For gives each test its own client address. Windows are a day long (aligned to UTC
// midnight), so a test never straddles one and sees its count reset.

const DAY = 86_400
let web: WebProcess
let open: WebProcess
let sql: postgres.Sql
let jpeg: Buffer

beforeAll(async () => {
	;[web, open, jpeg] = await Promise.all([
		startWeb({
			TRUST_PROXY: '1',
			RATE_LIMIT_UPLOAD: `3/${DAY}s`,
			RATE_LIMIT_LOGIN: `3/${DAY}s`,
			RATE_LIMIT_SIGNUP: `3/${DAY}s`,
			RATE_LIMIT_IP: `40/${DAY}s`,
			QUOTA_MAX_BYTES_PER_USER: '50000',
		}),
		// Uploads past the image quota would first meet the small upload limit above.
		startWeb({
			TRUST_PROXY: '1',
			CORS_ORIGINS: 'https://app.example, https://other.example/',
			RATE_LIMIT_ENABLED: 'false',
			QUOTA_MAX_IMAGES_PER_USER: '2',
		}),
		smallJpeg(),
	])
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await Promise.all([web?.stop(), open?.stop()])
	await sql?.end()
})

let nextAddress = 1
/** A fresh client address (documentation range 198.51.100.0/24) for one test. */
const newAddress = () => `198.51.100.${nextAddress++}`

type Call = RequestInit & { token?: string; json?: unknown; ip: string; base?: string }

function call(pathname: string, { ip, base = web.baseUrl, headers, ...init }: Call) {
	const all = new Headers(headers)
	all.set('X-Forwarded-For', ip)
	return api(base, pathname, { ...init, headers: all })
}

async function registerFrom(ip: string, base = web.baseUrl) {
	const email = randomEmail()
	const password = 'correct horse battery'
	const response = await call('/api/auth/register', {
		ip,
		base,
		method: 'POST',
		json: { email, password },
	})
	expect(response.status, await response.clone().text()).toBe(201)
	const body = (await response.json()) as { token: string; user: User }
	return { ...body, email, password }
}

function upload(
	ip: string,
	auth: { token?: string; cookie?: string },
	headers: HeadersInit = {},
	{ base = web.baseUrl, bytes = jpeg } = {},
) {
	const form = new FormData()
	form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>]), `${randomUUID()}.jpg`)
	const all = new Headers(headers)
	if (auth.cookie) all.set('Cookie', auth.cookie)
	return call('/api/images', {
		ip,
		base,
		method: 'POST',
		token: auth.token,
		body: form,
		headers: all,
	})
}

/** A bearer token and a browser session cookie for one new user. */
async function signedIn(ip: string) {
	const account = await registerFrom(ip)
	const page = await call('/login', {
		ip,
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams({ email: account.email, password: account.password }),
	})
	expect(page.status).toBe(302)
	const cookie = page.headers.get('Set-Cookie')!.split(';')[0]!
	return { ...account, cookie }
}

const rateHeaders = (response: Response) => ({
	limit: response.headers.get('RateLimit-Limit'),
	remaining: response.headers.get('RateLimit-Remaining'),
	reset: Number(response.headers.get('RateLimit-Reset')),
})

const imageCount = async (userId: string) =>
	(await sql<[{ n: number }]>`select count(*)::int as n from images where user_id = ${userId}`)[0].n

/** Rows, image jobs and files: what a refused upload must not leave behind. */
async function leftovers() {
	const [counts] = await sql<[{ images: number; jobs: number }]>`
		select (select count(*)::int from images) as images,
			(select count(*)::int from graphile_worker.jobs where task_identifier like '%image%') as jobs`
	return { ...counts, files: listFiles(process.env.DATA_DIR!) }
}

describe('rate limits', () => {
	it('sends RateLimit-* headers on counted answers and 429 with Retry-After past the limit', async () => {
		const ip = newAddress()
		const { token, user } = await registerFrom(ip)
		for (let n = 1; n <= 3; n++) {
			const response = await upload(ip, { token })
			expect(response.status, await response.clone().text()).toBe(202)
			expect(rateHeaders(response)).toMatchObject({ limit: '3', remaining: String(3 - n) })
			expect(rateHeaders(response).reset).toBeGreaterThan(0)
			expect(rateHeaders(response).reset).toBeLessThanOrEqual(DAY)
		}
		const before = await leftovers()
		const refused = await upload(ip, { token })
		const problem = await expectProblem(refused, 429)
		expect(problem.type).toMatch(/too-many-requests$/)
		expect(problem.detail).toMatch(/Too many uploads: the limit is 3 per/)
		const retryAfter = Number(refused.headers.get('Retry-After'))
		expect(retryAfter).toBeGreaterThan(0)
		expect(retryAfter).toBeLessThanOrEqual(DAY)
		expect(rateHeaders(refused)).toEqual({ limit: '3', remaining: '0', reset: retryAfter })
		expect(await imageCount(user.id)).toBe(3)
		expect(await leftovers()).toEqual(before)

		// Reads count too; the headers show the limit closest to running out: here the
		// per-address ceiling (6 requests of 40), not the per-user reads (1 of 600).
		const list = await call('/api/images', { ip, token })
		expect(list.status).toBe(200)
		expect(rateHeaders(list)).toMatchObject({ limit: '40', remaining: '34' })
	})

	it('counts each user on their own, even from one address', async () => {
		const ip = newAddress()
		const first = await registerFrom(ip)
		const second = await registerFrom(ip)
		for (let n = 0; n < 3; n++) expect((await upload(ip, first)).status).toBe(202)
		await expectProblem(await upload(ip, first), 429)
		const other = await upload(ip, second)
		expect(other.status).toBe(202)
		expect(rateHeaders(other).remaining).toBe('2')
	})

	it('holds the gallery upload form to the same per-user budget, with a readable message', async () => {
		const ip = newAddress()
		const { token, cookie } = await signedIn(ip)
		expect((await upload(ip, { token })).status).toBe(202)
		const uploadPage = () => {
			const form = new FormData()
			form.append('file', new Blob([jpeg as Uint8Array<ArrayBuffer>]), 'page.jpg')
			return call('/images?index', {
				ip,
				method: 'POST',
				headers: { Cookie: cookie, Origin: web.baseUrl },
				body: form,
			})
		}
		for (let n = 0; n < 2; n++) expect((await uploadPage()).status).toBe(302)
		const refused = await uploadPage()
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
		expect(await refused.text()).toMatch(/Too many uploads: the limit is 3 per/)
	})

	it('puts a ceiling on everything one address sends to the API', async () => {
		const ip = newAddress()
		const { token } = await registerFrom(ip) // 1 request
		let last: Response | undefined
		for (let n = 2; n <= 40; n++) {
			last = await call('/api/me', { ip, token })
			expect(last.status).toBe(200)
		}
		expect(rateHeaders(last!)).toMatchObject({ limit: '40', remaining: '0' })
		const refused = await call('/api/me', { ip, token })
		const problem = await expectProblem(refused, 429)
		expect(problem.detail).toMatch(/from your network/)
		expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
		// Unknown paths count too; the same user from another address does not.
		await expectProblem(await call('/api/nothing-here', { ip }), 429)
		expect((await call('/api/me', { ip: newAddress(), token })).status).toBe(200)
		// The health check is not limited: load balancers poll it.
		expect((await call('/api/health', { ip })).status).toBe(200)
	})

	it('keeps its counters in the rate_limits table', async () => {
		const rows = await sql<{ key: string; count: number; expires_at: Date }[]>`
			select key, count, expires_at from rate_limits`
		const keys = rows.map((row) => row.key)
		expect(keys.some((key) => /^read:user:/.test(key))).toBe(true)
		expect(keys.some((key) => /^ip:198\.51\.100\.\d+$/.test(key))).toBe(true)
		const uploads = rows.filter((row) => /^upload:user:[0-9a-f-]{36}$/.test(row.key))
		expect(uploads.map((row) => row.count)).toEqual(expect.arrayContaining([4, 4, 1]))
		for (const row of uploads) expect(row.expires_at.getTime()).toBeGreaterThan(Date.now())
		// No email appears in a key.
		expect(keys.filter((key) => key.includes('@'))).toEqual([])
	})

	it('is off with RATE_LIMIT_ENABLED=false', async () => {
		const ip = newAddress()
		const { token } = await registerFrom(ip, open.baseUrl)
		const response = await call('/api/images', { ip, token, base: open.baseUrl })
		expect(response.status).toBe(200)
		expect(response.headers.get('RateLimit-Limit')).toBeNull()
	})
})

describe('login throttling', () => {
	const login = (ip: string, email: string, password: string) =>
		call('/api/auth/login', { ip, method: 'POST', json: { email, password } })

	it('locks an email out from one address only, even for the right password', async () => {
		const account = await registerFrom(newAddress())
		const attacker = newAddress()
		for (let n = 1; n <= 3; n++) {
			const response = await login(attacker, account.email, 'wrong password!')
			await expectProblem(response, 401)
			expect(rateHeaders(response)).toMatchObject({ limit: '3', remaining: String(3 - n) })
		}
		const locked = await login(attacker, account.email.toUpperCase(), account.password)
		const problem = await expectProblem(locked, 429)
		expect(problem.detail).toMatch(/failed sign-in attempts/)
		expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0)

		// The owner elsewhere signs in, more than once: successes do not count.
		const owner = newAddress()
		for (let n = 0; n < 4; n++) {
			const response = await login(owner, account.email, account.password)
			expect(response.status).toBe(200)
			expect(rateHeaders(response)).toMatchObject({ limit: '3', remaining: '3' })
		}
		// Other emails from the attacker's address are not locked.
		const other = await registerFrom(newAddress())
		expect((await login(attacker, other.email, other.password)).status).toBe(200)
		// And the attacker's address stays locked after the owner's successes.
		await expectProblem(await login(attacker, account.email, account.password), 429)
	})

	it('locks the sign-in page the same way, with a readable message, sharing the budget', async () => {
		const account = await registerFrom(newAddress())
		const ip = newAddress()
		const signIn = (password: string) =>
			call('/login', {
				ip,
				method: 'POST',
				body: new URLSearchParams({ email: account.email, password, redirectTo: '/images' }),
			})
		await expectProblem(await login(ip, account.email, 'wrong password!'), 401)
		for (let n = 0; n < 2; n++) {
			const page = await signIn('wrong password!')
			expect(page.status).toBe(200)
			expect(await page.text()).toContain('Incorrect email or password.')
		}
		const locked = await signIn(account.password)
		expect(locked.status).toBe(429)
		expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0)
		expect(locked.headers.get('Set-Cookie')).toBeNull()
		const html = await locked.text()
		expect(html).toMatch(/Too many failed sign-in attempts for this email from your network/)
		expect(html).toMatch(/Try again in \d+ (hours|minutes)/)

		const elsewhere = await call('/login', {
			ip: newAddress(),
			method: 'POST',
			body: new URLSearchParams({ email: account.email, password: account.password }),
		})
		expect(elsewhere.status).toBe(302)
		expect(elsewhere.headers.get('Set-Cookie')).toMatch(/^darkroom_session=/)
	})

	it('slows probing for taken emails through registration', async () => {
		const taken = await registerFrom(newAddress())
		const ip = newAddress()
		for (let n = 0; n < 3; n++) {
			const response = await call('/api/auth/register', {
				ip,
				method: 'POST',
				json: { email: taken.email, password: 'another password' },
			})
			await expectProblem(response, 409)
		}
		const refused = await call('/api/auth/register', {
			ip,
			method: 'POST',
			json: { email: randomEmail(), password: 'another password' },
		})
		expect((await expectProblem(refused, 429)).detail).toMatch(/Too many accounts created/)
		// Registrations that succeed count too (sign-in-limits.test.ts): each account multiplies the per-user limits.
	})
})

describe('quotas', () => {
	it('refuses the image past QUOTA_MAX_IMAGES_PER_USER with 403 quota-exceeded, leaving nothing', async () => {
		const ip = newAddress()
		const base = open.baseUrl
		const { token, user } = await registerFrom(ip, base)
		for (let n = 0; n < 2; n++) expect((await upload(ip, { token }, {}, { base })).status).toBe(202)
		const before = await leftovers()
		const problem = await expectProblem(await upload(ip, { token }, {}, { base }), 403)
		expect(problem.type).toMatch(/quota-exceeded$/)
		expect(problem.detail).toMatch(/you have 2 images and the limit is 2 per user/)
		expect(await imageCount(user.id)).toBe(2)
		expect(await leftovers()).toEqual(before)
	})

	it('refuses an upload that would go past QUOTA_MAX_BYTES_PER_USER, leaving nothing', async () => {
		const ip = newAddress()
		const { token, user } = await registerFrom(ip)
		expect((await upload(ip, { token })).status).toBe(202)
		// Random bytes do not compress: a PNG of noise well over the 50000-byte quota.
		const pixels = Buffer.from(Array.from({ length: 160 * 160 * 3 }, () => Math.random() * 256))
		const noise = await sharp(pixels, { raw: { width: 160, height: 160, channels: 3 } })
			.png()
			.toBuffer()
		expect(noise.length).toBeGreaterThan(50_000)
		const before = await leftovers()
		const problem = await expectProblem(await upload(ip, { token }, {}, { bytes: noise }), 403)
		expect(problem.type).toMatch(/quota-exceeded$/)
		expect(problem.detail).toMatch(/Storage quota exceeded/)
		expect(problem.detail).toContain('(50000 bytes) per user')
		expect(await imageCount(user.id)).toBe(1)
		expect(await leftovers()).toEqual(before)
	})
})

describe('cross-site request forgery', () => {
	it('refuses a cookie-authenticated API POST from another origin, or with no origin at all', async () => {
		const ip = newAddress()
		const { cookie, user } = await signedIn(ip)
		const foreign = await upload(ip, { cookie }, { Origin: 'https://evil.example' })
		const problem = await expectProblem(foreign, 403)
		expect(problem.type).toMatch(/cross-site-request$/)
		expect(problem.detail).toContain('https://evil.example')
		const anonymous = await upload(ip, { cookie })
		expect((await expectProblem(anonymous, 403)).type).toMatch(/cross-site-request$/)
		const foreignReferer = await upload(ip, { cookie }, { Referer: 'https://evil.example/x' })
		await expectProblem(foreignReferer, 403)
		expect(await imageCount(user.id)).toBe(0)

		// From this site it works, by Origin or, without one, by Referer.
		expect((await upload(ip, { cookie }, { Origin: web.baseUrl })).status).toBe(202)
		expect((await upload(ip, { cookie }, { Referer: `${web.baseUrl}/images` })).status).toBe(202)
		expect(await imageCount(user.id)).toBe(2)
	})

	it('accepts bearer-authenticated requests with no Origin, or any', async () => {
		const ip = newAddress()
		const { token } = await registerFrom(ip)
		const accepted = await upload(ip, { token })
		expect(accepted.status).toBe(202)
		const { id } = (await accepted.json()) as { id: string }
		const processed = await call(`/api/images/${id}/process`, {
			ip,
			method: 'POST',
			token,
			headers: { Origin: 'https://tool.example' },
		})
		expect(processed.status).toBe(202)
	})

	it('refuses a page form from another site with a 403 page', async () => {
		const ip = newAddress()
		const { cookie } = await signedIn(ip)
		const logout = (origin: string) =>
			call('/logout', { ip, method: 'POST', headers: { Cookie: cookie, Origin: origin } })
		const forged = await logout('https://evil.example')
		expect(forged.status).toBe(403)
		expect(forged.headers.get('Content-Type')).toMatch(/^text\/html/)
		expect(await forged.text()).toContain('another site')
		// The session survived the forged sign-out.
		expect((await call('/api/me', { ip, headers: { Cookie: cookie } })).status).toBe(200)
		expect((await logout(web.baseUrl)).status).toBe(302)
		expect((await call('/api/me', { ip, headers: { Cookie: cookie } })).status).toBe(401)
	})
})

describe('security headers', () => {
	it('gives pages a CSP with a fresh nonce that every script tag carries', async () => {
		const nonces = new Set<string>()
		for (let n = 0; n < 2; n++) {
			const response = await call('/login', { ip: newAddress() })
			expect(response.status).toBe(200)
			const csp = response.headers.get('Content-Security-Policy')!
			const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1]
			expect(nonce, csp).toBeTruthy()
			nonces.add(nonce!)
			for (const directive of [
				"default-src 'self'",
				"style-src 'self' 'unsafe-inline'",
				"img-src 'self' data: blob:",
				"connect-src 'self'",
				"frame-ancestors 'none'",
				"base-uri 'self'",
				"form-action 'self'",
				"object-src 'none'",
			]) {
				expect(csp).toContain(directive)
			}
			expect(csp).not.toContain('unsafe-eval')
			const html = await response.text()
			const scripts = html.match(/<script\b[^>]*>/g) ?? []
			expect(scripts.length).toBeGreaterThan(0)
			for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
			expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
			expect(response.headers.get('Referrer-Policy')).toBe('same-origin')
			expect(response.headers.get('X-Frame-Options')).toBe('DENY')
			// NODE_ENV=test: HSTS is for production only.
			expect(response.headers.get('Strict-Transport-Security')).toBeNull()
		}
		expect(nonces.size).toBe(2)
	})

	it('sends them on API answers, errors and static files too', async () => {
		for (const pathname of ['/api/health', '/api/nothing-here', '/favicon.svg']) {
			const response = await call(pathname, { ip: newAddress() })
			expect(response.headers.get('X-Content-Type-Options'), pathname).toBe('nosniff')
			expect(response.headers.get('Content-Security-Policy'), pathname).toContain(
				"frame-ancestors 'none'",
			)
			await response.body?.cancel()
		}
	})
})

describe('CORS', () => {
	const preflight = (base: string, origin: string) =>
		call('/api/images', {
			ip: newAddress(),
			base,
			method: 'OPTIONS',
			headers: {
				Origin: origin,
				'Access-Control-Request-Method': 'POST',
				'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key',
			},
		})

	const corsHeaders = (response: Response) =>
		[...response.headers.keys()].filter((name) => name.startsWith('access-control-'))

	it('sends no CORS headers by default', async () => {
		const response = await preflight(web.baseUrl, 'https://app.example')
		expect(corsHeaders(response)).toEqual([])
		await response.body?.cancel()
	})

	it('answers a preflight from an allowed origin', async () => {
		const response = await preflight(open.baseUrl, 'https://app.example')
		expect(response.status).toBe(204)
		expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example')
		expect(response.headers.get('Access-Control-Allow-Methods')).toMatch(/\bPOST\b/)
		expect(response.headers.get('Access-Control-Allow-Headers')).toBe(
			'Authorization, X-API-Key, Content-Type, Idempotency-Key, If-None-Match',
		)
		expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull()
		expect(response.headers.get('Vary')).toMatch(/\bOrigin\b/)
		// The second configured origin had a trailing slash.
		const other = await preflight(open.baseUrl, 'https://other.example')
		expect(other.headers.get('Access-Control-Allow-Origin')).toBe('https://other.example')
	})

	it('exposes the API headers to an allowed origin and nothing to others', async () => {
		const ip = newAddress()
		const { token } = await registerFrom(ip, open.baseUrl)
		const allowed = await call('/api/me', {
			ip,
			token,
			base: open.baseUrl,
			headers: { Origin: 'https://app.example' },
		})
		expect(allowed.status).toBe(200)
		expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example')
		expect(allowed.headers.get('Access-Control-Expose-Headers')!.split(/,\s*/)).toEqual(
			expect.arrayContaining([
				'Location',
				'RateLimit-Limit',
				'RateLimit-Remaining',
				'RateLimit-Reset',
				'Retry-After',
				'Idempotent-Replayed',
			]),
		)
		const denied = await call('/api/me', {
			ip,
			token,
			base: open.baseUrl,
			headers: { Origin: 'https://evil.example' },
		})
		expect(denied.status).toBe(200)
		expect(corsHeaders(denied)).toEqual([])
		const deniedPreflight = await preflight(open.baseUrl, 'https://evil.example')
		expect(corsHeaders(deniedPreflight)).toEqual([])
		await deniedPreflight.body?.cancel()
	})
})
