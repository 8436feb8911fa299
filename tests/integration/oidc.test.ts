import { randomUUID } from 'node:crypto'
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
import {
	type AccountClaims,
	type OidcTestProvider,
	startOidcProvider,
} from '#tests/support/oidc-provider'

// Single sign-on (decision 021) against a real OpenID provider: the redirects
// are followed by hand, with one cookie jar per site, as a browser would.

const PASSWORD = 'correct horse battery'

let provider: OidcTestProvider
/** Invitation only, but single sign-on creates accounts (OIDC_AUTO_REGISTER) for example.test. */
let auto: WebProcess
/** Invitation only, no auto-registration, no password sign-in. */
let strict: WebProcess
let sql: postgres.Sql

beforeAll(async () => {
	provider = await startOidcProvider()
	const sso = {
		OIDC_ISSUER: provider.issuer,
		OIDC_CLIENT_ID: provider.clientId,
		OIDC_CLIENT_SECRET: provider.clientSecret,
		OIDC_LABEL: 'Test IdP',
		REGISTRATION: 'invite',
	}
	;[auto, strict] = await Promise.all([
		startWeb({ ...sso, OIDC_AUTO_REGISTER: 'true', OIDC_ALLOWED_DOMAINS: 'example.test' }),
		startWeb({ ...sso, PASSWORD_LOGIN: 'false' }),
	])
	provider.allowApp(auto.baseUrl)
	provider.allowApp(strict.baseUrl)
	// The instance's first account (its admin), so later ones meet the invitation rule.
	await register(auto.baseUrl)
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await Promise.all([auto?.stop(), strict?.stop()])
	await provider?.stop()
	await sql?.end()
})

/** Cookies per origin; path and expiry are ignored, deletions are not. */
class CookieJar {
	private readonly sites = new Map<string, Map<string, string>>()

	header(url: string) {
		const cookies = this.sites.get(new URL(url).origin) ?? new Map<string, string>()
		return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
	}

	keep(url: string, response: Response) {
		const origin = new URL(url).origin
		const cookies = this.sites.get(origin) ?? new Map<string, string>()
		this.sites.set(origin, cookies)
		for (const line of response.headers.getSetCookie()) {
			const [pair = '', ...attributes] = line.split(';')
			const [name = '', value = ''] = pair.split(/=(.*)/s)
			const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
			if (expired || value === '') cookies.delete(name.trim())
			else cookies.set(name.trim(), value)
		}
	}

	async fetch(url: string, init: RequestInit = {}) {
		const headers = new Headers(init.headers)
		const cookie = this.header(url)
		if (cookie) headers.set('Cookie', cookie)
		const response = await fetch(url, { ...init, headers, redirect: 'manual' })
		this.keep(url, response)
		return response
	}
}

const locationOf = (response: Response, base: string) => {
	expect([302, 303], `expected a redirect from ${base}`).toContain(response.status)
	return new URL(response.headers.get('Location')!, base).href
}

type FlowOptions = {
	redirectTo?: string
	/** Changes the authorization request on its way to the provider. */
	alterAuthorization?: (url: URL) => void
	/** Changes the provider's answer on its way back to the app. */
	alterCallback?: (url: URL) => void
	/** Runs the app's side of the callback (where the ID token is issued and checked). */
	aroundCallback?: (callback: () => Promise<Response>) => Promise<Response>
	deny?: boolean
	/** The provider's answer reaches a browser that did not start the sign-in. */
	fromAnotherBrowser?: boolean
}

/** Signs `account` in to `web` through the provider; the app's last answer and the jar. */
async function signIn(web: WebProcess, account: string, options: FlowOptions = {}) {
	const jar = new CookieJar()
	const start = await jar.fetch(`${web.baseUrl}/auth/oidc`, {
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams({ redirectTo: options.redirectTo ?? '/images' }),
	})
	const authorization = new URL(locationOf(start, web.baseUrl))
	expect(authorization.origin).toBe(provider.issuer)
	options.alterAuthorization?.(authorization)
	const interaction = locationOf(await jar.fetch(authorization.href), provider.issuer)
	const submitted = await jar.fetch(interaction, {
		method: 'POST',
		body: new URLSearchParams(options.deny ? { deny: '1' } : { account }),
	})
	const resume = locationOf(submitted, provider.issuer)
	const callback = new URL(locationOf(await jar.fetch(resume), provider.issuer))
	expect(callback.origin + callback.pathname).toBe(`${web.baseUrl}/auth/oidc/callback`)
	options.alterCallback?.(callback)
	const browser = options.fromAnotherBrowser ? new CookieJar() : jar
	const finish = () => browser.fetch(callback.href)
	const response = await (options.aroundCallback ? options.aroundCallback(finish) : finish())
	return { response, jar: browser }
}

function newAccount(claims: AccountClaims) {
	const subject = `sub-${randomUUID()}`
	provider.setAccount(subject, claims)
	return subject
}

const sessionCookieIn = (response: Response) =>
	response.headers
		.getSetCookie()
		.find((line) => line.startsWith('darkroom_session=') && !/max-age=0/i.test(line))

async function expectSignedInAs(web: WebProcess, jar: CookieJar, email: string) {
	const me = await jar.fetch(`${web.baseUrl}/api/me`)
	expect(me.status).toBe(200)
	expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email)
}

/** The flow ended on the login page without a session; the page's text. */
async function expectRefusal(web: WebProcess, result: Awaited<ReturnType<typeof signIn>>) {
	const { response, jar } = result
	expect(locationOf(response, web.baseUrl)).toBe(`${web.baseUrl}/login`)
	expect(sessionCookieIn(response)).toBeUndefined()
	const page = await jar.fetch(`${web.baseUrl}/login`)
	expect(page.status).toBe(200)
	const html = await page.text()
	// Shown once: the next visit no longer says it.
	const again = await (await jar.fetch(`${web.baseUrl}/login`)).text()
	expect((await jar.fetch(`${web.baseUrl}/api/me`)).status).toBe(401)
	return { html, again }
}

async function auditOf(action: string, reason?: string) {
	return sql<Array<{ actor_email: string | null; details: Record<string, unknown> }>>`
		select actor_email, details from audit_log
		where action = ${action} ${reason ? sql`and details->>'reason' = ${reason}` : sql``}
		order by at desc`
}

const userByEmail = async (email: string) =>
	(
		await sql<Array<{ id: string; password_hash: string | null; role: string }>>`
			select id, password_hash, role from users where email = ${email}`
	)[0]

const identitiesOf = (userId: string) =>
	sql<Array<{ issuer: string; subject: string }>>`
		select issuer, subject from user_identities where user_id = ${userId}`

/** An account with a password, made as an admin's invitation would (this instance is invite-only). */
async function insertPasswordAccount() {
	const email = randomEmail()
	const [row] = await sql<Array<{ id: string }>>`
		insert into users (email, password_hash) values (${email}, 'x') returning id`
	return { email, id: row!.id }
}

describe('a new person', () => {
	it('gets an account without a password when OIDC_AUTO_REGISTER is on, and lands where they were going', async () => {
		const email = randomEmail()
		const subject = newAccount({ email, email_verified: true })
		const { response, jar } = await signIn(auto, subject, { redirectTo: '/images?sort=oldest' })
		expect(locationOf(response, auto.baseUrl)).toBe(`${auto.baseUrl}/images?sort=oldest`)
		expect(sessionCookieIn(response)).toMatch(/HttpOnly/i)
		await expectSignedInAs(auto, jar, email)
		const user = await userByEmail(email)
		expect(user).toMatchObject({ password_hash: null, role: 'member' })
		expect(await identitiesOf(user!.id)).toEqual([{ issuer: provider.issuer, subject }])
		expect((await auditOf('auth.register')).find((e) => e.actor_email === email)?.details).toEqual({
			method: 'oidc',
		})
		expect((await auditOf('auth.sign_in')).find((e) => e.actor_email === email)?.details).toEqual({
			method: 'oidc',
		})
		// No password to change: the settings page says how the account signs in.
		const settings = await (await jar.fetch(`${auto.baseUrl}/settings/password`)).text()
		expect(settings).toContain('Your account signs in with single sign-on')
		expect(settings).not.toContain('name="currentPassword"')
		// The next time, the identity is found again: the same account.
		const again = await signIn(auto, subject)
		await expectSignedInAs(auto, again.jar, email)
	})

	it('is refused by the registration rule without auto-registration on an invite-only instance', async () => {
		const email = randomEmail()
		const subject = newAccount({ email, email_verified: true })
		const { html } = await expectRefusal(strict, await signIn(strict, subject))
		expect(html).toContain('Registration on this instance is by invitation only.')
		expect(await userByEmail(email)).toBeUndefined()
		expect(await auditOf('auth.sign_in_failed', 'registration_refused')).not.toHaveLength(0)
	})

	it('is refused when the email is not in OIDC_ALLOWED_DOMAINS, naming the rule', async () => {
		const email = `someone-${randomUUID()}@elsewhere.test`
		const subject = newAccount({ email, email_verified: true })
		const { html, again } = await expectRefusal(auto, await signIn(auto, subject))
		expect(html).toContain('allowed domains (OIDC_ALLOWED_DOMAINS)')
		expect(html).not.toContain('example.test')
		expect(again).not.toContain('allowed domains')
		expect(await userByEmail(email)).toBeUndefined()
		const [entry] = await auditOf('auth.sign_in_failed', 'domain_not_allowed')
		expect(entry?.details).toEqual({ method: 'oidc', reason: 'domain_not_allowed' })
	})
})

describe('an existing account', () => {
	it('is linked by a verified email and signed in, also when the email later changes', async () => {
		const { email, id } = await insertPasswordAccount()
		const subject = newAccount({ email, email_verified: true })
		const { response, jar } = await signIn(strict, subject)
		expect(locationOf(response, strict.baseUrl)).toBe(`${strict.baseUrl}/images`)
		await expectSignedInAs(strict, jar, email)
		expect(await identitiesOf(id)).toEqual([{ issuer: provider.issuer, subject }])
		provider.setAccount(subject, { email: randomEmail(), email_verified: false })
		await expectSignedInAs(strict, (await signIn(strict, subject)).jar, email)
	})

	it('is never linked by an unverified email', async () => {
		const { email, id } = await insertPasswordAccount()
		const subject = newAccount({ email, email_verified: false })
		const { html } = await expectRefusal(strict, await signIn(strict, subject))
		expect(html).toContain('has not verified your email address')
		expect(await identitiesOf(id)).toEqual([])
		expect(await auditOf('auth.sign_in_failed', 'email_unverified')).not.toHaveLength(0)
	})

	it('is refused when disabled', async () => {
		const email = randomEmail()
		const subject = newAccount({ email, email_verified: true })
		await signIn(auto, subject)
		await sql`update users set disabled_at = now() where email = ${email}`
		const { html } = await expectRefusal(auto, await signIn(auto, subject))
		expect(html).toContain('This account is disabled.')
		expect(await auditOf('auth.sign_in_failed', 'account_disabled')).not.toHaveLength(0)
	})
})

describe('a provider answer that does not check out', () => {
	const verified = () => newAccount({ email: randomEmail(), email_verified: true })

	it('refuses a tampered state', async () => {
		const result = await signIn(auto, verified(), {
			alterCallback: (url) => url.searchParams.set('state', 'forged'),
		})
		const { html } = await expectRefusal(auto, result)
		expect(html).toContain('did not match the sign-in this browser started')
		expect(await auditOf('auth.sign_in_failed', 'state_mismatch')).not.toHaveLength(0)
	})

	it('refuses an ID token for another nonce', async () => {
		const result = await signIn(auto, verified(), {
			alterAuthorization: (url) => url.searchParams.set('nonce', 'chosen-by-an-attacker'),
		})
		const { html } = await expectRefusal(auto, result)
		expect(html).toContain('did not match the sign-in this browser started')
		expect(await auditOf('auth.sign_in_failed', 'nonce_mismatch')).not.toHaveLength(0)
	})

	it('refuses an expired ID token', async () => {
		const result = await signIn(auto, verified(), {
			// Issued by a provider two hours behind: expired an hour ago.
			aroundCallback: (callback) => provider.withClockBehind(2 * 3600, callback),
		})
		const { html } = await expectRefusal(auto, result)
		expect(html).toContain('answer has expired')
		expect(await auditOf('auth.sign_in_failed', 'id_token_expired')).not.toHaveLength(0)
	})

	it('refuses an answer that reaches a browser which did not start the sign-in', async () => {
		const result = await signIn(auto, verified(), { fromAnotherBrowser: true })
		const { html } = await expectRefusal(auto, result)
		expect(html).toContain('started in another browser')
	})

	it('shows the provider’s refusal (access_denied)', async () => {
		const { html } = await expectRefusal(auto, await signIn(auto, verified(), { deny: true }))
		expect(html).toContain('cancelled or refused at the sign-in provider')
		expect(await auditOf('auth.sign_in_failed', 'provider_access_denied')).not.toHaveLength(0)
	})
})

describe('PASSWORD_LOGIN=false', () => {
	it('hides the password form and the register link, and offers single sign-on', async () => {
		const html = await (await api(strict.baseUrl, '/login')).text()
		expect(html).toContain('Sign in with Test IdP')
		expect(html).not.toContain('name="password"')
		expect(html).not.toContain('href="/register"')
		const both = await (await api(auto.baseUrl, '/login?redirectTo=%2Fusage')).text()
		expect(both).toContain('name="password"')
		expect(both).toMatch(/action="\/auth\/oidc"[^]*name="redirectTo" value="\/usage"/)
	})

	it('refuses a password sign-in on the page and in the API', async () => {
		const page = await api(strict.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: strict.baseUrl },
			body: new URLSearchParams({ email: randomEmail(), password: PASSWORD }),
		})
		expect(page.status).toBe(403)
		expect(await page.text()).toContain('Password sign-in is turned off on this instance')
		const problem = await expectProblem(
			await api(strict.baseUrl, '/api/auth/login', {
				method: 'POST',
				json: { email: randomEmail(), password: PASSWORD },
			}),
			403,
		)
		expect(problem.detail).toBe(
			'Password sign-in is turned off on this instance. Sign in with Test IdP instead.',
		)
	})

	it('refuses registration with a password', async () => {
		const problem = await expectProblem(
			await api(strict.baseUrl, '/api/auth/register', {
				method: 'POST',
				json: { email: randomEmail(), password: PASSWORD },
			}),
			403,
		)
		expect(problem.detail).toContain('Registration with a password is turned off')
		const page = await (await api(strict.baseUrl, '/register')).text()
		expect(page).toContain('Registration with a password is turned off')
		expect(page).not.toContain('name="password"')
	})
})
