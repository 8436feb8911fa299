import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, invites } from '#db/schema'
import { db } from '#app/db.server'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// Invite links (decision 019): an admin makes them; each lets up to N people
// register whatever the mode, with the invite's role; used up, expired,
// revoked and unknown links are refused and create nothing.

const PASSWORD = 'correct horse battery'

let web: WebProcess
let admin: { token: string; email: string; cookie: string; user: { id: string } }

beforeAll(async () => {
	web = await startWeb({ REGISTRATION: 'invite' })
	// The first account of the fresh instance is its admin, invite or not.
	const first = await register(web.baseUrl)
	admin = { ...first, cookie: await signInPage(first.email) }
})

afterAll(async () => {
	await web?.stop()
})

type CreatedInvite = {
	invite: { id: string; role: string; uses: number; maxUses: number; state: string }
	link: string
}

async function createInvite(body: Record<string, unknown> = {}): Promise<CreatedInvite> {
	const response = await api(web.baseUrl, '/api/admin/invites', {
		method: 'POST',
		token: admin.token,
		json: body,
	})
	expect(response.status).toBe(201)
	return (await response.json()) as CreatedInvite
}

const secretOf = (link: string) => new URL(link).searchParams.get('invite')!

const registerWith = (invite: string | undefined, email = randomEmail()) =>
	api(web.baseUrl, '/api/auth/register', {
		method: 'POST',
		json: { email, password: PASSWORD, invite },
	})

const signInApi = (email: string) =>
	api(web.baseUrl, '/api/auth/login', { method: 'POST', json: { email, password: PASSWORD } })

/** A page without JavaScript: a plain form post, as a browser sends it. */
const postForm = (pathname: string, fields: Record<string, string>, cookie?: string) =>
	api(web.baseUrl, pathname, {
		method: 'POST',
		headers: { Origin: web.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
		body: new URLSearchParams(fields),
	})

async function signInPage(email: string) {
	const response = await postForm('/login', { email, password: PASSWORD })
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

/** Whether the token's account may use the admin API: how its role shows. */
async function isAdminToken(token: string) {
	const response = await api(web.baseUrl, '/api/admin/invites', { token })
	expect([200, 403]).toContain(response.status)
	return response.status === 200
}

async function listed(id: string) {
	const response = await api(web.baseUrl, '/api/admin/invites', { token: admin.token })
	const { items } = (await response.json()) as { items: Array<Record<string, unknown>> }
	return items.find((item) => item.id === id)
}

describe('invite links', () => {
	it('a single-use member invite registers one person as a member, then is used up', async () => {
		const { invite, link } = await createInvite()
		expect(invite).toMatchObject({ role: 'member', uses: 0, maxUses: 1, state: 'active' })
		expect(link).toMatch(new RegExp(`^${web.baseUrl}/register\\?invite=inv_`))

		const first = await registerWith(secretOf(link))
		expect(first.status).toBe(201)
		const { token } = (await first.json()) as { token: string }
		expect(await isAdminToken(token)).toBe(false)

		const email = randomEmail()
		const second = await expectProblem(await registerWith(secretOf(link), email), 403)
		expect(second.detail).toBe(
			'This invite link has already been used. Ask an admin for a new one.',
		)
		expect((await signInApi(email)).status).toBe(401)
		expect(await listed(invite.id)).toMatchObject({ uses: 1, maxUses: 1, state: 'used' })
	})

	it('an admin invite makes an admin', async () => {
		const { link } = await createInvite({ role: 'admin' })
		const response = await registerWith(secretOf(link))
		expect(response.status).toBe(201)
		const { token } = (await response.json()) as { token: string }
		expect(await isAdminToken(token)).toBe(true)
	})

	it('an invite for N people refuses the N+1th, even when they all come at once', async () => {
		const { invite, link } = await createInvite({ maxUses: 3 })
		const answers = await Promise.all(Array.from({ length: 6 }, () => registerWith(secretOf(link))))
		const statuses = answers.map((answer) => answer.status).sort()
		expect(statuses).toEqual([201, 201, 201, 403, 403, 403])
		expect(await listed(invite.id)).toMatchObject({ uses: 3, state: 'used' })
	})

	it('an expired invite is refused and creates nothing', async () => {
		const { invite, link } = await createInvite({ expiresInDays: 1 })
		await db
			.update(invites)
			.set({ expiresAt: sql`now() - interval '1 minute'` })
			.where(eq(invites.id, invite.id))
		const email = randomEmail()
		const problem = await expectProblem(await registerWith(secretOf(link), email), 403)
		expect(problem.detail).toBe('This invite link has expired. Ask an admin for a new one.')
		expect((await signInApi(email)).status).toBe(401)
		expect(await listed(invite.id)).toMatchObject({ uses: 0, state: 'expired' })
	})

	it('a revoked invite is refused; revoking twice is 404', async () => {
		const { invite, link } = await createInvite({ maxUses: 5 })
		const revoke = () =>
			api(web.baseUrl, `/api/admin/invites/${invite.id}`, { method: 'DELETE', token: admin.token })
		expect((await revoke()).status).toBe(204)
		await expectProblem(await revoke(), 404)
		const problem = await expectProblem(await registerWith(secretOf(link)), 403)
		expect(problem.detail).toBe('This invite link was revoked. Ask an admin for a new one.')
		expect(await listed(invite.id)).toMatchObject({ uses: 0, state: 'revoked' })
	})

	it('an unknown invite is refused, and no invite at all still meets the invite-only refusal', async () => {
		const unknown = await expectProblem(await registerWith('inv_not-a-real-one'), 403)
		expect(unknown.detail).toContain('This invite link is not valid')
		const none = await expectProblem(await registerWith(undefined), 403)
		expect(none.detail).toContain('by invitation only')
	})

	it('a taken email gives the invite its use back', async () => {
		const { invite, link } = await createInvite()
		await expectProblem(await registerWith(secretOf(link), admin.email), 409)
		expect(await listed(invite.id)).toMatchObject({ uses: 0, state: 'active' })
	})

	it('rejects bad input with 422 naming the field', async () => {
		const response = await api(web.baseUrl, '/api/admin/invites', {
			method: 'POST',
			token: admin.token,
			json: { maxUses: 0, role: 'owner' },
		})
		const problem = await expectProblem(response, 422)
		expect(JSON.stringify(problem)).toContain('maxUses')
		expect(JSON.stringify(problem)).toContain('role')
	})

	it('lists invites without their secret', async () => {
		const { invite, link } = await createInvite({ note: 'For Ada' })
		const response = await api(web.baseUrl, '/api/admin/invites', { token: admin.token })
		const text = await response.text()
		expect(text).toContain(invite.id)
		expect(text).toContain('For Ada')
		expect(text).not.toContain(secretOf(link))
		expect(text).not.toContain('tokenHash')
	})

	it('records who made, used and revoked invites in the audit log', async () => {
		const { invite, link } = await createInvite()
		const response = await registerWith(secretOf(link))
		expect(response.status).toBe(201)
		const { user } = (await response.json()) as { user: { id: string } }
		const entries = await db
			.select({ action: auditLog.action, actorId: auditLog.actorId })
			.from(auditLog)
			.where(eq(auditLog.targetId, invite.id))
		expect(entries).toEqual(
			expect.arrayContaining([
				{ action: 'invite.create', actorId: admin.user.id },
				{ action: 'invite.use', actorId: user.id },
			]),
		)
	})
})

describe('the register page with an invite, without JavaScript', () => {
	it('says you are invited, keeps the invite through the form, and signs the person in', async () => {
		const { link } = await createInvite({ role: 'admin' })
		const shown = await api(web.baseUrl, new URL(link).pathname + new URL(link).search)
		const html = await shown.text()
		expect(html).toContain('You have been invited to this Darkroom as an administrator')
		expect(html).toContain(`name="invite" value="${secretOf(link)}"`)

		const email = randomEmail()
		const posted = await postForm('/register', {
			email,
			password: PASSWORD,
			invite: secretOf(link),
		})
		expect(posted.status).toBe(302)
		expect(posted.headers.get('Location')).toBe('/images')
		expect((await signInApi(email)).status).toBe(200)
	})

	it('a used-up link says so instead of the form', async () => {
		const { link } = await createInvite()
		expect((await registerWith(secretOf(link))).status).toBe(201)
		const html = await (await api(web.baseUrl, `/register?invite=${secretOf(link)}`)).text()
		expect(html).toContain('This invite link has already been used')
		expect(html).not.toContain('name="password"')
		const posted = await postForm('/register', {
			email: randomEmail(),
			password: PASSWORD,
			invite: secretOf(link),
		})
		expect(posted.status).toBe(403)
	})
})

describe('the admin invites page and API are for admins only', () => {
	it('a member gets 403 from the API and 404 from the page', async () => {
		const { link } = await createInvite()
		const email = randomEmail()
		const response = await registerWith(secretOf(link), email)
		const { token } = (await response.json()) as { token: string }
		await expectProblem(await api(web.baseUrl, '/api/admin/invites', { token }), 403)
		const cookie = await signInPage(email)
		const page = await api(web.baseUrl, '/admin/invites', { headers: { Cookie: cookie } })
		expect(page.status).toBe(404)
	})

	it('an admin creates and revokes an invite with plain forms', async () => {
		const created = await postForm(
			'/admin/invites',
			{ intent: 'create', note: 'Form invite', role: 'member', maxUses: '2', expiresInDays: '7' },
			admin.cookie,
		)
		expect(created.status).toBe(200)
		const html = await created.text()
		const link = /(http:\/\/[^"<\s]+\/register\?invite=inv_[\w-]+)/.exec(html)?.[1]
		expect(link).toBeDefined()
		expect(html).toContain('it will not be shown again')

		const page = await (
			await api(web.baseUrl, '/admin/invites', { headers: { Cookie: admin.cookie } })
		).text()
		expect(page).toContain('Form invite')
		expect(page).not.toContain(secretOf(link!))

		const [row] = await db.select().from(invites).where(eq(invites.note, 'Form invite'))
		const revoked = await postForm(
			'/admin/invites',
			{ intent: 'revoke', id: row!.id },
			admin.cookie,
		)
		expect(revoked.status).toBe(200)
		expect(await revoked.text()).toContain('Invite revoked')
		await expectProblem(await registerWith(secretOf(link!)), 403)
	})
})

describe('REGISTRATION_DEFAULT (the container image and Fly set invite)', () => {
	it('is the mode until an admin chooses one, and the admin can open sign-up', async () => {
		const server = await startWeb({ REGISTRATION_DEFAULT: 'invite' })
		try {
			const attempt = () =>
				api(server.baseUrl, '/api/auth/register', {
					method: 'POST',
					json: { email: randomEmail(), password: PASSWORD },
				})
			const refused = await expectProblem(await attempt(), 403)
			expect(refused.detail).toContain('by invitation only')
			const saved = await api(server.baseUrl, '/admin/settings', {
				method: 'POST',
				headers: { Origin: server.baseUrl, Cookie: admin.cookie },
				body: new URLSearchParams({ registration: 'open' }),
			})
			expect(saved.status).toBe(302)
			expect((await attempt()).status).toBe(201)
		} finally {
			await server.stop()
		}
	})
})
