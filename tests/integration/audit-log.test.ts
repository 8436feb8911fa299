import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// The audit log: what a team's admin can look back on. Each entry has its
// actor, time and address; the admin reads it on a page and through the API.

const PASSWORD = 'correct horse battery'

type Entry = {
	id: string
	at: string
	action: string
	actor: { id: string | null; email: string } | null
	target: { type: string; id: string } | null
	ip: string | null
	details: Record<string, unknown> | null
}

let web: WebProcess
let admin: { token: string; email: string; cookie: string }

beforeAll(async () => {
	web = await startWeb()
	const first = await register(web.baseUrl)
	admin = { ...first, cookie: await signInPage(first.email) }
})

afterAll(async () => {
	await web?.stop()
})

const postForm = (pathname: string, fields: Record<string, string>, cookie?: string) =>
	api(web.baseUrl, pathname, {
		method: 'POST',
		headers: { Origin: web.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
		body: new URLSearchParams(fields),
	})

async function signInPage(email: string, password = PASSWORD) {
	const response = await postForm('/login', { email, password })
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

async function audit(action?: string): Promise<Entry[]> {
	const query = action ? `?action=${action}` : ''
	const response = await api(web.baseUrl, `/api/admin/audit${query}`, { token: admin.token })
	expect(response.status).toBe(200)
	return ((await response.json()) as { items: Entry[] }).items
}

describe('the audit log', () => {
	it('records registration and sign-ins that succeed and fail, with actor and address', async () => {
		const member = await register(web.baseUrl)
		const wrong = await api(web.baseUrl, '/api/auth/login', {
			method: 'POST',
			json: { email: member.email.toUpperCase(), password: 'not the password at all' },
		})
		expect(wrong.status).toBe(401)
		await signInPage(member.email)

		const registered = (await audit('auth.register')).find(
			(entry) => entry.actor?.email === member.email,
		)
		expect(registered).toMatchObject({
			actor: { id: member.user.id },
			details: { method: 'password' },
		})
		expect(registered!.ip).toMatch(/127\.0\.0\.1|::1/)

		const failed = (await audit('auth.sign_in_failed')).find(
			(entry) => entry.details?.email === member.email,
		)
		expect(failed).toMatchObject({ actor: null, details: { method: 'password' } })

		const signedIn = (await audit('auth.sign_in')).filter(
			(entry) => entry.actor?.email === member.email,
		)
		expect(signedIn).toHaveLength(1)
		expect(Date.now() - new Date(signedIn[0]!.at).getTime()).toBeLessThan(60_000)
	})

	it('records sign-outs from the page and the API', async () => {
		const member = await register(web.baseUrl)
		const cookie = await signInPage(member.email)
		expect((await postForm('/logout', {}, cookie)).status).toBe(302)
		const apiLogout = await api(web.baseUrl, '/api/auth/logout', {
			method: 'POST',
			token: member.token,
		})
		expect(apiLogout.status).toBe(204)
		const signOuts = (await audit('auth.sign_out')).filter(
			(entry) => entry.actor?.email === member.email,
		)
		expect(signOuts).toHaveLength(2)
	})

	it('records personal tokens made and revoked', async () => {
		const member = await register(web.baseUrl)
		const created = await api(web.baseUrl, '/api/tokens', {
			method: 'POST',
			token: member.token,
			json: { name: 'Backup script', scopes: ['read'] },
		})
		expect(created.status).toBe(201)
		const { token } = (await created.json()) as { token: { id: string } }
		const revoked = await api(web.baseUrl, `/api/tokens/${token.id}`, {
			method: 'DELETE',
			token: member.token,
		})
		expect(revoked.status).toBe(204)
		const entries = (await audit()).filter((entry) => entry.target?.id === token.id)
		expect(entries.map((entry) => entry.action).sort()).toEqual(['token.create', 'token.revoke'])
		expect(entries[0]).toMatchObject({
			actor: { email: member.email },
			details: { name: 'Backup script' },
		})
	})

	it('records a change of the registration setting', async () => {
		const saved = await postForm('/admin/settings', { registration: 'invite' }, admin.cookie)
		expect(saved.status).toBe(302)
		const [change] = await audit('settings.change')
		expect(change).toMatchObject({
			actor: { email: admin.email },
			target: { type: 'settings', id: 'registration' },
			details: { registration: 'invite' },
		})
		await postForm('/admin/settings', { registration: 'open' }, admin.cookie)
	})

	it('pages newest first and filters by action; an unknown action is a 422', async () => {
		const everything = await audit()
		const times = everything.map((entry) => entry.at)
		expect(times).toEqual([...times].sort().reverse())
		expect(new Set((await audit('auth.sign_out')).map((entry) => entry.action))).toEqual(
			new Set(['auth.sign_out']),
		)
		const bad = await api(web.baseUrl, '/api/admin/audit?action=drop.tables', {
			token: admin.token,
		})
		await expectProblem(bad, 422)
	})

	it('is for admins only: 403 on the API, 404 for the page', async () => {
		const member = await register(web.baseUrl, randomEmail())
		await expectProblem(await api(web.baseUrl, '/api/admin/audit', { token: member.token }), 403)
		const cookie = await signInPage(member.email)
		const page = await api(web.baseUrl, '/admin/audit', { headers: { Cookie: cookie } })
		expect(page.status).toBe(404)
	})

	it('the admin reads it on a page, filtered without JavaScript', async () => {
		const page = await api(web.baseUrl, '/admin/audit?action=auth.sign_in_failed', {
			headers: { Cookie: admin.cookie },
		})
		expect(page.status).toBe(200)
		const html = await page.text()
		const rows = html.split('data-testid="audit-row"').slice(1)
		expect(rows.length).toBeGreaterThan(0)
		for (const row of rows) expect(row.slice(0, row.indexOf('</tr>'))).toContain('Failed sign-in')
	})
})
