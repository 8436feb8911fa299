import postgres from 'postgres'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// Limits on signing in and up (decision 011), on real web processes. Every
// request comes from 127.0.0.1, so each test starts with empty counters.

const DAY = 86_400
const PASSWORD = 'correct horse battery'
/** The per-(email, address) and per-address limits are roomy here: only the one under test bites. */
let paced: WebProcess
/** A small ceiling on everything one address sends, and a small sign-up budget. */
let tight: WebProcess
let sql: postgres.Sql

beforeAll(async () => {
	;[paced, tight] = await Promise.all([
		startWeb({
			RATE_LIMIT_LOGIN: `100/${DAY}s`,
			RATE_LIMIT_IP: `1000/${DAY}s`,
			RATE_LIMIT_SIGNUP: `100/${DAY}s`,
		}),
		startWeb({ RATE_LIMIT_IP: `6/${DAY}s`, RATE_LIMIT_SIGNUP: `3/${DAY}s` }),
	])
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await Promise.all([paced?.stop(), tight?.stop()])
	await sql?.end()
})

beforeEach(async () => {
	await sql`delete from rate_limits`
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const apiLogin = (web: WebProcess, email: string, password: string) =>
	api(web.baseUrl, '/api/auth/login', { method: 'POST', json: { email, password } })

/** A form post as the browser sends it without JavaScript. */
const postPage = (web: WebProcess, path: string, fields: Record<string, string>) =>
	api(web.baseUrl, path, {
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams(fields),
	})

describe('failed sign-ins per account', () => {
	it('wait 1 s after five failures from anywhere, then 2 s…, until a success resets them', async () => {
		const account = await register(paced.baseUrl)
		// API and page share the account's count.
		for (let n = 0; n < 3; n++) {
			await expectProblem(await apiLogin(paced, account.email, 'wrong password!'), 401)
		}
		for (let n = 0; n < 2; n++) {
			const page = await postPage(paced, '/login', {
				email: account.email.toUpperCase(),
				password: 'wrong password!',
			})
			expect(page.status).toBe(200)
			expect(await page.text()).toContain('Incorrect email or password.')
		}

		// Even the right password waits: otherwise guessing would go on at full speed.
		const waiting = await apiLogin(paced, account.email, account.password)
		const problem = await expectProblem(waiting, 429)
		expect(problem.detail).toBe(
			'Too many failed sign-in attempts for this account. Try again in 1 second.',
		)
		expect(waiting.headers.get('Retry-After')).toBe('1')
		const page = await postPage(paced, '/login', {
			email: account.email,
			password: account.password,
		})
		expect(page.status).toBe(429)
		expect(page.headers.get('Retry-After')).toBe('1')
		expect(page.headers.get('Set-Cookie')).toBeNull()
		expect(await page.text()).toContain('Too many failed sign-in attempts for this account.')

		// The sixth failure doubles the wait.
		await sleep(1100)
		await expectProblem(await apiLogin(paced, account.email, 'wrong password!'), 401)
		const longer = await apiLogin(paced, account.email, 'wrong password!')
		await expectProblem(longer, 429)
		expect(longer.headers.get('Retry-After')).toBe('2')

		await sleep(2100)
		expect((await apiLogin(paced, account.email, account.password)).status).toBe(200)
		// Forgiven: five failures are free again.
		for (let n = 0; n < 5; n++) {
			await expectProblem(await apiLogin(paced, account.email, 'wrong password!'), 401)
		}
		await expectProblem(await apiLogin(paced, account.email, account.password), 429)
	})

	it('are capped at a minute, so nobody can lock the owner out for longer', async () => {
		const account = await register(paced.baseUrl)
		// As if a stranger had failed 40 times: the wait stays a minute.
		await sql`update users set failed_sign_ins = 40 where email = ${account.email}`
		await expectProblem(await apiLogin(paced, account.email, 'wrong password!'), 401)
		const waiting = await apiLogin(paced, account.email, account.password)
		await expectProblem(waiting, 429)
		expect(Number(waiting.headers.get('Retry-After'))).toBeGreaterThan(55)
		expect(Number(waiting.headers.get('Retry-After'))).toBeLessThanOrEqual(60)
	})

	it('do not concern emails with no account, and keep no email in clear', async () => {
		const email = randomEmail()
		for (let n = 0; n < 7; n++) {
			await expectProblem(await apiLogin(paced, email, 'wrong password!'), 401)
		}
		const keys = await sql<Array<{ key: string }>>`select key from rate_limits`
		expect(keys.length).toBeGreaterThan(0)
		for (const { key } of keys) expect(key).not.toContain(email)
	})
})

describe('per-address limits on the sign-in and sign-up pages', () => {
	it('count page sign-ins against the same ceiling as the API, with a readable refusal', async () => {
		for (let n = 0; n < 3; n++) {
			await expectProblem(await apiLogin(tight, randomEmail(), 'wrong password!'), 401)
		}
		for (let n = 0; n < 3; n++) {
			const page = await postPage(tight, '/login', {
				email: randomEmail(),
				password: 'wrong password!',
			})
			expect(page.status).toBe(200)
		}
		const refused = await postPage(tight, '/login', { email: randomEmail(), password: PASSWORD })
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
		expect(await refused.text()).toMatch(
			/Too many requests from your network: the limit is 6 per \d+ (minutes|hours)\. Try again in \d+ (minutes|hours)\./,
		)
		await expectProblem(await apiLogin(tight, randomEmail(), 'wrong password!'), 429)
	})

	it('count page registrations against the same ceiling', async () => {
		const accounts = await sql`select 1 from users`
		for (let n = 0; n < 6; n++) {
			const page = await postPage(tight, '/register', { email: 'not an email', password: 'short' })
			expect(page.status).toBe(200)
		}
		const refused = await postPage(tight, '/register', {
			email: randomEmail(),
			password: PASSWORD,
		})
		expect(refused.status).toBe(429)
		expect(await refused.text()).toContain('Too many requests from your network')
		expect(await sql`select 1 from users`).toHaveLength(accounts.length)
	})

	it('count every registration, page or API, against RATE_LIMIT_SIGNUP', async () => {
		await register(tight.baseUrl)
		const page = await postPage(tight, '/register', { email: randomEmail(), password: PASSWORD })
		expect(page.status).toBe(302)
		// Invalid input creates nothing and costs nothing.
		const invalid = await postPage(tight, '/register', { email: randomEmail(), password: 'short' })
		expect(await invalid.text()).toContain('Password must be at least 8 characters')
		await register(tight.baseUrl)

		const email = randomEmail()
		const refused = await postPage(tight, '/register', { email, password: PASSWORD })
		expect(refused.status).toBe(429)
		expect(refused.headers.get('Set-Cookie')).toBeNull()
		expect(await refused.text()).toMatch(
			/Too many accounts created from your network: the limit is 3 per \d+ hours\. Try again in \d+ (minutes|hours)\./,
		)
		const api429 = await api(tight.baseUrl, '/api/auth/register', {
			method: 'POST',
			json: { email, password: PASSWORD },
		})
		expect((await expectProblem(api429, 429)).detail).toMatch(/Too many accounts created/)
		expect(await sql`select 1 from users where email = ${email}`).toHaveLength(0)
	})
})
