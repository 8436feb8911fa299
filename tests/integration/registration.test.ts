import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// Who may join (decision 019): REGISTRATION wins over the admin's stored
// setting, neither means open, and the first account of a fresh instance may
// always register. The processes share this file's empty database.

const PASSWORD = 'correct horse battery'
const CLOSED = 'Registration is closed on this instance.'
const INVITE = 'by invitation only'

let closed: WebProcess
let invite: WebProcess
let open: WebProcess
let unset: WebProcess

beforeAll(async () => {
	;[closed, invite, open, unset] = await Promise.all([
		startWeb({ REGISTRATION: 'closed' }),
		startWeb({ REGISTRATION: 'invite' }),
		startWeb({ REGISTRATION: 'open' }),
		startWeb(),
	])
})

afterAll(async () => {
	await Promise.all([closed, invite, open, unset].map((web) => web?.stop()))
})

const registerApi = (web: WebProcess, email = randomEmail()) =>
	api(web.baseUrl, '/api/auth/register', { method: 'POST', json: { email, password: PASSWORD } })

const signInApi = (web: WebProcess, email: string) =>
	api(web.baseUrl, '/api/auth/login', { method: 'POST', json: { email, password: PASSWORD } })

/** A page without JavaScript: a plain form post, as a browser sends it. */
const postForm = (
	web: WebProcess,
	pathname: string,
	fields: Record<string, string>,
	cookie?: string,
) =>
	api(web.baseUrl, pathname, {
		method: 'POST',
		headers: { Origin: web.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
		body: new URLSearchParams(fields),
	})

const page = (web: WebProcess, pathname: string, cookie?: string) =>
	api(web.baseUrl, pathname, { headers: cookie ? { Cookie: cookie } : {} })

async function signInPage(web: WebProcess, email: string) {
	const response = await postForm(web, '/login', { email, password: PASSWORD })
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

let admin: { email: string; token: string; cookie: string }

describe('REGISTRATION=closed', () => {
	it('lets the first account of a fresh instance register, as its admin', async () => {
		const first = await register(closed.baseUrl)
		const sweep = await api(closed.baseUrl, '/api/admin/retention/sweep', {
			method: 'POST',
			token: first.token,
			json: { olderThanDays: 36_500 },
		})
		expect(sweep.status).toBe(200)
		admin = { ...first, cookie: await signInPage(closed, first.email) }
	})

	it('refuses a later account through the API with 403, and creates nothing', async () => {
		const email = randomEmail()
		const problem = await expectProblem(await registerApi(closed, email), 403)
		expect(problem.type).toMatch(/\/forbidden$/)
		expect(problem.detail).toBe(CLOSED)
		expect((await signInApi(closed, email)).status).toBe(401)
	})

	it('the register page says so instead of the form, and refuses a post without JavaScript', async () => {
		const shown = await page(closed, '/register')
		expect(shown.status).toBe(200)
		const html = await shown.text()
		expect(html).toContain(CLOSED)
		expect(html).not.toContain('name="password"')
		expect(html).toContain('href="/login"')

		const email = randomEmail()
		const posted = await postForm(closed, '/register', { email, password: PASSWORD })
		expect(posted.status).toBe(403)
		expect(await posted.text()).toContain(CLOSED)
		expect((await signInApi(closed, email)).status).toBe(401)
	})

	it('the login page offers no link to create an account', async () => {
		expect(await (await page(closed, '/login')).text()).not.toContain('href="/register"')
	})
})

describe('REGISTRATION=invite', () => {
	it('refuses through the API and the page, saying sign-up is by invitation', async () => {
		const problem = await expectProblem(await registerApi(invite), 403)
		expect(problem.detail).toContain(INVITE)
		const html = await (await page(invite, '/register')).text()
		expect(html).toContain(INVITE)
		expect(html).not.toContain('name="password"')
		const posted = await postForm(invite, '/register', { email: randomEmail(), password: PASSWORD })
		expect(posted.status).toBe(403)
		expect(await (await page(invite, '/login')).text()).not.toContain('href="/register"')
	})
})

describe('REGISTRATION=open', () => {
	it('lets anyone register through the API and the page', async () => {
		expect((await registerApi(open)).status).toBe(201)
		const posted = await postForm(open, '/register', { email: randomEmail(), password: PASSWORD })
		expect(posted.status).toBe(302)
		expect(await (await page(open, '/login')).text()).toContain('href="/register"')
	})
})

describe('the admin setting', () => {
	const choose = (web: WebProcess, registration: string, cookie = admin.cookie) =>
		postForm(web, '/admin/settings', { registration }, cookie)

	it('is open by default, and a stored choice applies when REGISTRATION is unset', async () => {
		expect((await registerApi(unset)).status).toBe(201)
		const saved = await choose(unset, 'closed')
		expect(saved.status).toBe(302)
		const problem = await expectProblem(await registerApi(unset), 403)
		expect(problem.detail).toBe(CLOSED)
		expect(await (await page(unset, '/register')).text()).toContain(CLOSED)

		expect((await choose(unset, 'invite')).status).toBe(302)
		expect((await expectProblem(await registerApi(unset), 403)).detail).toContain(INVITE)
	})

	it('loses to REGISTRATION, and the page says so with the control disabled', async () => {
		// Stored: invite (above). The environment says open or closed.
		expect((await registerApi(open)).status).toBe(201)
		const html = await (await page(closed, '/admin/settings', admin.cookie)).text()
		expect(html).toContain('REGISTRATION')
		expect(html).toMatch(/<fieldset[^>]*disabled/)
		const unsetHtml = await (await page(unset, '/admin/settings', admin.cookie)).text()
		expect(unsetHtml).not.toMatch(/<fieldset[^>]*disabled/)
	})

	it('refuses a value that is not a mode', async () => {
		const refused = await choose(unset, 'everyone')
		expect(refused.status).toBe(422)
		expect((await expectProblem(await registerApi(unset), 403)).detail).toContain(INVITE)
	})

	it('is out of reach for a non-admin', async () => {
		expect((await choose(unset, 'open')).status).toBe(302)
		const user = await register(unset.baseUrl)
		const cookie = await signInPage(unset, user.email)
		expect((await page(unset, '/admin/settings', cookie)).status).toBe(404)
		expect((await choose(unset, 'closed', cookie)).status).toBe(404)
		expect((await registerApi(unset)).status).toBe(201)
	})
})
