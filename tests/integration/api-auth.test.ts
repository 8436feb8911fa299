import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// Registration, login, bearer tokens and logout through the real web process.

let web: WebProcess
let sql: postgres.Sql

beforeAll(async () => {
	web = await startWeb()
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

const post = (pathname: string, json: unknown, token?: string) =>
	api(web.baseUrl, pathname, { method: 'POST', json, token })

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

describe('POST /api/auth/register', () => {
	it('creates the account and answers 201 with the user, a token and its expiry', async () => {
		const email = randomEmail()
		const response = await post('/api/auth/register', { email, password: 'long enough pw' })
		expect(response.status).toBe(201)
		expect(response.headers.get('Content-Type')).toMatch(/^application\/json\b/)
		const body = await response.json()
		expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'user'])
		expect(Object.keys(body.user).sort()).toEqual(['createdAt', 'email', 'id'])
		expect(body.user.id).toMatch(uuidPattern)
		expect(body.user.email).toBe(email)
		expect(body.user.createdAt).toMatch(isoPattern)
		expect(body.token).toEqual(expect.any(String))
		expect(body.token.length).toBeGreaterThanOrEqual(32)
		expect(body.expiresAt).toMatch(isoPattern)
		expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now())

		// The token works straight away.
		const me = await api(web.baseUrl, '/api/me', { token: body.token })
		expect(me.status).toBe(200)
		expect((await me.json()).user).toEqual(body.user)
	})

	it('answers 409 for an email that is taken, whatever its case', async () => {
		const email = randomEmail()
		await register(web.baseUrl, email)
		const response = await post('/api/auth/register', {
			email: email.toUpperCase(),
			password: 'another password',
		})
		await expectProblem(response, 409)
	})

	it.each([
		['an invalid email', { email: 'not-an-email', password: 'long enough pw' }, 'email'],
		['a missing email', { password: 'long enough pw' }, 'email'],
		['a 7-character password', { email: randomEmail(), password: '1234567' }, 'password'],
		['a 257-character password', { email: randomEmail(), password: 'x'.repeat(257) }, 'password'],
		['a missing password', { email: randomEmail() }, 'password'],
	])('answers 422 naming the field for %s', async (_case, input, field) => {
		const response = await post('/api/auth/register', input)
		const problem = await expectProblem(response, 422)
		expect(problem.errors).toEqual(
			expect.arrayContaining([{ path: field, message: expect.any(String) }]),
		)
		for (const error of problem.errors!) expect(error.message.length).toBeGreaterThan(0)
		// Nothing was created.
		if ('email' in input) {
			const email = input.email.toLowerCase()
			expect(await sql`select id from users where email = ${email}`).toHaveLength(0)
		}
	})

	it('accepts passwords of exactly 8 and 256 characters', async () => {
		for (const password of ['kx7#mq2v', 'y'.repeat(256)]) {
			const response = await post('/api/auth/register', { email: randomEmail(), password })
			expect(response.status).toBe(201)
		}
	})

	it('answers 400 for a body that is not JSON', async () => {
		const response = await api(web.baseUrl, '/api/auth/register', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: '{"email": "a@b.test", "password": ',
		})
		await expectProblem(response, 400)
	})
})

describe('POST /api/auth/login', () => {
	it('answers 200 with the user and a new working token, email in any case', async () => {
		const account = await register(web.baseUrl)
		const response = await post('/api/auth/login', {
			email: account.email.toUpperCase(),
			password: account.password,
		})
		expect(response.status).toBe(200)
		const body = await response.json()
		expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'user'])
		expect(body.user).toEqual(account.user)
		expect(body.expiresAt).toMatch(isoPattern)
		expect(body.token).not.toBe(account.token)
		const me = await api(web.baseUrl, '/api/me', { token: body.token })
		expect(me.status).toBe(200)
	})

	it('answers 401 with one identical message for a wrong password and an unknown email', async () => {
		const account = await register(web.baseUrl)
		const wrongPassword = await expectProblem(
			await post('/api/auth/login', { email: account.email, password: 'wrong password!' }),
			401,
		)
		const unknownEmail = await expectProblem(
			await post('/api/auth/login', { email: randomEmail(), password: account.password }),
			401,
		)
		expect(unknownEmail).toEqual(wrongPassword)
	})

	it('answers 400 for a body that is not JSON', async () => {
		const response = await api(web.baseUrl, '/api/auth/login', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: 'email=a@b.test',
		})
		await expectProblem(response, 400)
	})
})

describe('bearer tokens', () => {
	it('GET /api/me answers 200 with the user for a valid token', async () => {
		const account = await register(web.baseUrl)
		const response = await api(web.baseUrl, '/api/me', { token: account.token })
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ user: account.user })
	})

	it.each([
		['no token', undefined],
		['a garbage token', 'garbage'],
		['a well-formed but unknown token', `drk_${'A'.repeat(43)}`],
	])('GET /api/me answers 401 with WWW-Authenticate: Bearer for %s', async (_case, token) => {
		const response = await api(web.baseUrl, '/api/me', { token })
		expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
		await expectProblem(response, 401)
	})

	it('logout answers 204 and the token stops working; other tokens keep working', async () => {
		const account = await register(web.baseUrl)
		const login = await post('/api/auth/login', {
			email: account.email,
			password: account.password,
		})
		const { token: second } = await login.json()

		const logout = await post('/api/auth/logout', undefined, account.token)
		expect(logout.status).toBe(204)
		expect(await logout.text()).toBe('')

		const me = await api(web.baseUrl, '/api/me', { token: account.token })
		expect(me.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
		await expectProblem(me, 401)
		await expectProblem(await post('/api/auth/logout', undefined, account.token), 401)
		expect((await api(web.baseUrl, '/api/me', { token: second })).status).toBe(200)
	})

	it('logout without a token answers 401', async () => {
		const response = await post('/api/auth/logout', undefined)
		expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/)
		await expectProblem(response, 401)
	})

	it('stores tokens only as hashes', async () => {
		const account = await register(web.baseUrl)
		const login = await post('/api/auth/login', {
			email: account.email,
			password: account.password,
		})
		const { token: second } = await login.json()
		const rows = await sql`
			select s.* from sessions s join users u on u.id = s.user_id where u.email = ${account.email}
		`
		expect(rows).toHaveLength(2)
		const stored = JSON.stringify(rows)
		for (const token of [account.token, second]) {
			expect(stored).not.toContain(token)
			// Nor the secret part without its prefix.
			expect(stored).not.toContain(token.replace(/^[a-z]+_/, ''))
		}
	})

	it('stores passwords only as hashes', async () => {
		const account = await register(web.baseUrl)
		const rows = await sql`select * from users where email = ${account.email}`
		expect(rows).toHaveLength(1)
		expect(JSON.stringify(rows)).not.toContain(account.password)
	})
})
