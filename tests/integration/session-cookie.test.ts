import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, register, startWeb, type WebProcess } from '#tests/support/app'

// Issue 15, broken 3: the session cookie is Secure only when the browser
// reached us over HTTPS (directly, or as a proxy trusted per TRUST_PROXY
// says) or when PUBLIC_URL is https. Over plain HTTP to the machine's address
// it must not be: browsers drop a Secure cookie set over HTTP. Production web
// processes, as `npm start` runs them.

let direct: WebProcess // the `npm start` defaults, behind no proxy
let proxied: WebProcess // one trusted proxy on loopback
let httpsPublicUrl: WebProcess // PUBLIC_URL is https, also reached by address

beforeAll(async () => {
	;[direct, proxied, httpsPublicUrl] = await Promise.all([
		startWeb({ NODE_ENV: 'production' }),
		startWeb({ NODE_ENV: 'production', TRUST_PROXY: 'loopback' }),
		startWeb({
			NODE_ENV: 'production',
			PUBLIC_URL: 'https://photos.example.test',
			ALLOWED_HOSTS: '127.0.0.1',
		}),
	])
})

afterAll(async () => {
	await Promise.all([direct?.stop(), proxied?.stop(), httpsPublicUrl?.stop()])
})

/** Signs in through the login form; returns the Set-Cookie headers by cookie name. */
async function signIn(web: WebProcess, headers: Record<string, string> = {}) {
	const account = await register(web.baseUrl)
	const response = await api(web.baseUrl, '/login', {
		method: 'POST',
		headers: { Origin: web.baseUrl, ...headers },
		body: new URLSearchParams({ email: account.email, password: account.password }),
	})
	expect(response.status).toBe(302)
	const cookies = new Map(
		response.headers.getSetCookie().map((line) => [line.split('=')[0]!, line] as const),
	)
	return { session: cookies.get('darkroom_session')!, marker: cookies.get('darkroom_signin')! }
}

const isSecure = (setCookie: string) => /;\s*Secure\b/i.test(setCookie)
const value = (setCookie: string) => setCookie.split(';')[0]!

describe('the Secure attribute of the session cookie', () => {
	it('is off over plain HTTP, in production too', async () => {
		const { session } = await signIn(direct)
		expect(session).toMatch(/HttpOnly/i)
		expect(session).toMatch(/SameSite=Lax/i)
		expect(isSecure(session)).toBe(false)
	})

	it('is on when a trusted proxy says the browser used HTTPS', async () => {
		const { session } = await signIn(proxied, {
			'X-Forwarded-Proto': 'https',
			Origin: proxied.baseUrl.replace('http:', 'https:'),
		})
		expect(isSecure(session)).toBe(true)
		// The same proxy over plain HTTP: not Secure.
		expect(isSecure((await signIn(proxied)).session)).toBe(false)
	})

	it('ignores X-Forwarded-Proto from a client that is no trusted proxy', async () => {
		const { session } = await signIn(direct, { 'X-Forwarded-Proto': 'https' })
		expect(isSecure(session)).toBe(false)
	})

	it('is on when PUBLIC_URL is https, whatever the request came by', async () => {
		const { session } = await signIn(httpsPublicUrl)
		expect(isSecure(session)).toBe(true)
	})
})

describe('a sign-in whose cookie the browser dropped', () => {
	const loginPage = (web: WebProcess, cookies: string[]) =>
		api(web.baseUrl, '/login', { headers: { Cookie: cookies.join('; ') } })

	it('sets a short-lived marker cookie that is never Secure', async () => {
		const { marker } = await signIn(httpsPublicUrl)
		expect(marker).toMatch(/Max-Age=60\b/)
		expect(isSecure(marker)).toBe(false)
	})

	it('the login page names the https address when PUBLIC_URL is https and the page came over HTTP', async () => {
		// What a browser sends back over HTTP: the marker, not the Secure session cookie.
		const { marker } = await signIn(httpsPublicUrl)
		const response = await loginPage(httpsPublicUrl, [value(marker)])
		expect(response.status).toBe(200)
		const text = (await response.text()).replaceAll('<!-- -->', '')
		expect(text).toContain('your browser did not keep the sign-in cookie')
		expect(text).toContain('href="https://photos.example.test/login"')
	})

	it('the login page says the cookie was refused, without the https hint where it does not apply', async () => {
		const { marker } = await signIn(direct)
		const text = await (await loginPage(direct, [value(marker)])).text()
		expect(text).toContain('your browser did not keep the sign-in cookie')
		expect(text).toContain('accepts cookies for this site')
	})

	it('says nothing when the session cookie came back: the signed-in user goes to the gallery', async () => {
		const { marker, session } = await signIn(direct)
		const response = await loginPage(direct, [value(marker), value(session)])
		expect(response.status).toBe(302)
		expect(response.headers.get('Location')).toBe('/images')
		const plain = await (await loginPage(direct, [])).text()
		expect(plain).not.toContain('did not keep the sign-in cookie')
	})
})

describe('the Origin check', () => {
	it('accepts a form from the address the server was reached by, even with PUBLIC_URL set', async () => {
		await signIn(httpsPublicUrl)
	})

	it('names the proxy settings when a form comes from this host over another protocol', async () => {
		const response = await api(direct.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: direct.baseUrl.replace('http:', 'https:') },
			body: new URLSearchParams({ email: 'a@example.com', password: 'whatever it is' }),
		})
		expect(response.status).toBe(403)
		const text = await response.text()
		expect(text).toContain(`but this server was reached as ${direct.baseUrl}`)
		expect(text).toContain('TRUST_PROXY')
	})
})
