import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
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

// User administration (decision 020) against the built server, on this file's
// own database (the first account registered here is the instance's admin)
// and DATA_DIR (local storage under $DATA_DIR/storage).

const storageDir = path.join(process.env.DATA_DIR!, 'storage')
const PASSWORD = 'correct horse battery'
let web: WebProcess
let sql: postgres.Sql
let jpeg: Buffer
let admin: Awaited<ReturnType<typeof register>>
let adminCookie: string

beforeAll(async () => {
	;[web, jpeg] = await Promise.all([startWeb({ RATE_LIMIT_ENABLED: 'false' }), smallJpeg(64, 48)])
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	admin = await register(web.baseUrl)
	adminCookie = await signInWithPage(admin.email, PASSWORD)
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

/** Signs in through the page, as a browser does; returns the session cookie. */
async function signInWithPage(email: string, password: string) {
	const response = await pageSignIn(email, password)
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

const pageSignIn = (email: string, password: string) =>
	api(web.baseUrl, '/login', {
		method: 'POST',
		headers: { Origin: web.baseUrl },
		body: new URLSearchParams({ email, password }),
	})

const withCookie = (cookie: string, pathname: string, init: RequestInit = {}) =>
	api(web.baseUrl, pathname, {
		...init,
		headers: { Cookie: cookie, Origin: web.baseUrl, ...init.headers },
	})

/** Posts a form of the user's admin page, as a browser without JavaScript does. */
const adminForm = (userId: string, fields: Record<string, string>, cookie = adminCookie) =>
	withCookie(cookie, `/admin/users/${userId}`, {
		method: 'POST',
		body: new URLSearchParams(fields),
	})

const patchUser = (token: string, userId: string, json: unknown) =>
	api(web.baseUrl, `/api/admin/users/${userId}`, { method: 'PATCH', token, json })

const apiLogin = (email: string, password: string) =>
	api(web.baseUrl, '/api/auth/login', { method: 'POST', json: { email, password } })

const status = async (response: Promise<Response>) => {
	const answered = await response
	await answered.body?.cancel()
	return answered.status
}

async function upload(token: string, filename = 'photo.jpg') {
	const response = await uploadFile(web.baseUrl, token, jpeg, filename)
	expect(response.status, await response.clone().text()).toBe(202)
	return (await response.json()) as { id: string }
}

async function personalToken(token: string) {
	const response = await api(web.baseUrl, '/api/tokens', {
		method: 'POST',
		token,
		json: { name: 'script' },
	})
	expect(response.status).toBe(201)
	return ((await response.json()) as { secret: string }).secret
}

const auditActions = async (userId: string) =>
	(
		await sql<{ action: string }[]>`
			select action from audit_log where target_type = 'user' and target_id = ${userId} order by at`
	).map((row) => row.action)

async function makeAdmin() {
	const account = await register(web.baseUrl)
	expect((await patchUser(admin.token, account.user.id, { role: 'admin' })).status).toBe(200)
	return account
}

describe('disabling an account', () => {
	it('cuts off its open browser session and its API tokens at once, refuses its sign-ins and keeps its images', async () => {
		const member = await register(web.baseUrl)
		const image = await upload(member.token)
		const cookie = await signInWithPage(member.email, PASSWORD)
		const secret = await personalToken(member.token)
		expect(await status(withCookie(cookie, '/images'))).toBe(200)
		expect(await status(api(web.baseUrl, '/api/me', { token: secret }))).toBe(200)

		const disabled = await adminForm(member.user.id, { intent: 'disable' })
		expect(disabled.status).toBe(200)
		expect(await disabled.text()).toContain('Account disabled')

		const page = await withCookie(cookie, '/images')
		expect(page.status).toBe(302)
		expect(page.headers.get('Location')).toMatch(/^\/login\?/)
		for (const token of [member.token, secret]) {
			await expectProblem(await api(web.baseUrl, '/api/me', { token }), 401)
		}

		// The right password learns why; a wrong one learns nothing more than before.
		const right = await pageSignIn(member.email, PASSWORD)
		expect(right.status).toBe(401)
		expect(right.headers.get('Set-Cookie')).toBeNull()
		expect(await right.text()).toContain('This account is disabled')
		const wrong = await (await pageSignIn(member.email, 'not the password')).text()
		expect(wrong).toContain('Incorrect email or password.')
		expect(wrong).not.toContain('This account is disabled')
		const apiRight = await expectProblem(await apiLogin(member.email, PASSWORD), 401)
		expect(apiRight.detail).toContain('This account is disabled')
		const apiWrong = await expectProblem(await apiLogin(member.email, 'not the password'), 401)
		expect(apiWrong.detail).toBe('Incorrect email or password.')
		const refusedSignIns = await sql`
			select details from audit_log
			where action = 'auth.sign_in_failed' and details->>'email' = ${member.email}`
		expect(refusedSignIns.filter((row) => row.details.reason === 'disabled')).toHaveLength(2)

		const shown = await api(web.baseUrl, `/api/admin/users/${member.user.id}`, {
			token: admin.token,
		})
		expect(await shown.json()).toMatchObject({ images: 1, disabledAt: expect.any(String) })
		expect(await sql`select id from images where id = ${image.id}`).toHaveLength(1)

		const enabled = await patchUser(admin.token, member.user.id, { disabled: false })
		expect(enabled.status).toBe(200)
		expect(await enabled.json()).toMatchObject({ disabledAt: null })
		// Old sessions and tokens stay revoked; a new sign-in works.
		expect(await status(withCookie(cookie, '/images'))).toBe(302)
		expect(await status(api(web.baseUrl, '/api/me', { token: secret }))).toBe(401)
		const again = await signInWithPage(member.email, PASSWORD)
		expect(await status(withCookie(again, '/images'))).toBe(200)
		expect(await auditActions(member.user.id)).toEqual(['user.disable', 'user.enable'])
	}, 60_000)

	it('refuses a disabled account’s session even when it was not revoked (defence in depth)', async () => {
		const member = await register(web.baseUrl)
		await sql`update users set disabled_at = now() where id = ${member.user.id}`
		await expectProblem(await api(web.baseUrl, '/api/me', { token: member.token }), 401)
		await sql`update users set disabled_at = null where id = ${member.user.id}`
		expect(await status(api(web.baseUrl, '/api/me', { token: member.token }))).toBe(200)
	})
})

describe('roles and the last admin', () => {
	it('the last enabled admin cannot be demoted, disabled or deleted (409, and the page says so)', async () => {
		const id = admin.user.id
		for (const change of [{ role: 'member' }, { disabled: true }]) {
			await expectProblem(await patchUser(admin.token, id, change), 409)
		}
		await expectProblem(
			await api(web.baseUrl, `/api/admin/users/${id}`, { method: 'DELETE', token: admin.token }),
			409,
		)
		const page = await adminForm(id, { intent: 'role', role: 'member' })
		expect(page.status).toBe(409)
		expect(await page.text()).toContain('is the last enabled admin and cannot be demoted')
		expect((await sql`select role from users where id = ${id}`)[0]!.role).toBe('admin')

		// Another admin, but disabled, does not count.
		const other = await makeAdmin()
		expect((await patchUser(admin.token, other.user.id, { disabled: true })).status).toBe(200)
		await expectProblem(await patchUser(admin.token, id, { role: 'member' }), 409)
		await sql`delete from users where id = ${other.user.id}`
	})

	it('a role change takes effect at once, for the same token', async () => {
		const member = await register(web.baseUrl)
		const list = () => api(web.baseUrl, '/api/admin/users', { token: member.token })
		await expectProblem(await list(), 403)
		expect(await status(withCookie(adminCookie, '/admin/users'))).toBe(200)

		const promoted = await adminForm(member.user.id, { intent: 'role', role: 'admin' })
		expect(promoted.status).toBe(200)
		expect(await status(list())).toBe(200)

		expect((await patchUser(admin.token, member.user.id, { role: 'member' })).status).toBe(200)
		await expectProblem(await list(), 403)
		expect(await auditActions(member.user.id)).toEqual(['user.role', 'user.role'])
	})

	it('two admins demoting each other at once leave one admin', async () => {
		const other = await makeAdmin()
		const [mine, theirs] = await Promise.all([
			patchUser(admin.token, other.user.id, { role: 'member' }),
			patchUser(other.token, admin.user.id, { role: 'member' }),
		])
		const statuses = [mine.status, theirs.status]
		expect(statuses.filter((code) => code === 200)).toHaveLength(1)
		const admins = await sql`select id from users where role = 'admin' and disabled_at is null`
		expect(admins).toHaveLength(1)
		// Back to one admin, the first account, for the other tests.
		await sql`update users set role = 'admin' where id = ${admin.user.id}`
		await sql`delete from users where id = ${other.user.id}`
	})

	it('an admin cannot disable or delete their own account even with another admin', async () => {
		const other = await makeAdmin()
		await expectProblem(await patchUser(admin.token, admin.user.id, { disabled: true }), 409)
		await expectProblem(
			await api(web.baseUrl, `/api/admin/users/${admin.user.id}`, {
				method: 'DELETE',
				token: admin.token,
			}),
			409,
		)
		await sql`delete from users where id = ${other.user.id}`
	})
})

describe('the admin pages and API', () => {
	it('are 404 pages and 403 API answers for a member', async () => {
		const member = await register(web.baseUrl)
		const cookie = await signInWithPage(member.email, PASSWORD)
		for (const pathname of ['/admin/users', `/admin/users/${admin.user.id}`]) {
			expect(await status(withCookie(cookie, pathname))).toBe(404)
		}
		expect(await status(adminForm(admin.user.id, { intent: 'disable' }, cookie))).toBe(404)
		await expectProblem(await api(web.baseUrl, '/api/admin/users', { token: member.token }), 403)
		await expectProblem(await patchUser(member.token, admin.user.id, { disabled: true }), 403)
		await expectProblem(
			await api(web.baseUrl, `/api/admin/users/${admin.user.id}/password-reset`, {
				method: 'POST',
				token: member.token,
			}),
			403,
		)
		const [row] = await sql`select disabled_at from users where id = ${admin.user.id}`
		expect(row!.disabled_at).toBeNull()
	})

	it('list every account with counts, bytes and last activity, never an image', async () => {
		const member = await register(web.baseUrl)
		await upload(member.token, 'secret-holiday.jpg')
		const trashed = await upload(member.token, 'trashed.jpg')
		expect(
			await status(
				api(web.baseUrl, `/api/images/${trashed.id}`, { method: 'DELETE', token: member.token }),
			),
		).toBe(204)
		await sql`update images set ai_completed_at = now(), ai = ${sql.json({ costUsd: 0.25 })} where user_id = ${member.user.id}`

		const response = await api(web.baseUrl, '/api/admin/users', { token: admin.token })
		expect(response.status).toBe(200)
		const { items } = (await response.json()) as {
			items: Array<{ id: string; email: string } & Record<string, unknown>>
		}
		expect(items.map((item) => item.email)).toEqual(items.map((item) => item.email).toSorted())
		expect(items.find((item) => item.id === member.user.id)).toMatchObject({
			email: member.email,
			role: 'member',
			images: 1,
			bytesStored: jpeg.length * 2,
			aiCostUsdThisMonth: 0.5,
			lastActiveAt: expect.any(String),
			disabledAt: null,
			quotaBytes: null,
		})

		const page = await withCookie(adminCookie, '/admin/users')
		const html = await page.text()
		expect(html).toContain(member.email)
		expect(html).not.toContain('secret-holiday')
		const detail = await (await withCookie(adminCookie, `/admin/users/${member.user.id}`)).text()
		expect(detail).toContain(member.email)
		expect(detail).not.toContain('secret-holiday')
		await expectProblem(
			await api(web.baseUrl, '/api/admin/users/00000000-0000-4000-8000-000000000000', {
				token: admin.token,
			}),
			404,
		)
		await expectProblem(await patchUser(admin.token, 'not-a-uuid', { disabled: true }), 404)
		await expectProblem(await patchUser(admin.token, member.user.id, { quotaBytes: -1 }), 422)
	})
})

describe('deleting an account', () => {
	it('removes its images rows and files, then the account, after the email is typed', async () => {
		const member = await register(web.baseUrl)
		const kept = await upload(member.token, 'one.jpg')
		const trashed = await upload(member.token, 'two.jpg')
		await api(web.baseUrl, `/api/images/${trashed.id}`, { method: 'DELETE', token: member.token })
		const userFiles = () => [
			...listFiles(path.join(storageDir, 'images', member.user.id)),
			...listFiles(path.join(storageDir, 'trash', 'images', member.user.id)),
		]
		expect(userFiles().length).toBeGreaterThanOrEqual(2)

		const unconfirmed = await adminForm(member.user.id, {
			intent: 'delete',
			confirmEmail: 'someone-else@example.test',
		})
		expect(unconfirmed.status).toBe(422)
		expect(await unconfirmed.text()).toContain('Type the account’s email exactly to confirm.')
		expect(await sql`select id from users where id = ${member.user.id}`).toHaveLength(1)

		const deleted = await adminForm(member.user.id, {
			intent: 'delete',
			confirmEmail: member.email.toUpperCase(),
		})
		expect(deleted.status).toBe(302)
		expect(deleted.headers.get('Location')).toContain('/admin/users?deleted=')
		expect(await sql`select id from users where id = ${member.user.id}`).toHaveLength(0)
		expect(await sql`select id from images where id in (${kept.id}, ${trashed.id})`).toHaveLength(0)
		expect(await sql`select id from sessions where user_id = ${member.user.id}`).toHaveLength(0)
		expect(userFiles()).toEqual([])
		await expectProblem(await api(web.baseUrl, '/api/me', { token: member.token }), 401)
		const [entry] = await sql<{ details: { email: string } }[]>`
			select details from audit_log where action = 'user.delete' and target_id = ${member.user.id}`
		expect(entry!.details.email).toBe(member.email)
	})

	it('through the API answers 204, then 404', async () => {
		const member = await register(web.baseUrl)
		const del = () =>
			api(web.baseUrl, `/api/admin/users/${member.user.id}`, {
				method: 'DELETE',
				token: admin.token,
			})
		expect(await status(del())).toBe(204)
		await expectProblem(await del(), 404)
	})
})

describe('a per-user quota', () => {
	it('refuses an upload over it with no instance quota set, until it is cleared', async () => {
		const member = await register(web.baseUrl)
		const set = await patchUser(admin.token, member.user.id, { quotaBytes: jpeg.length + 10 })
		expect(set.status).toBe(200)
		expect(await set.json()).toMatchObject({ quotaBytes: jpeg.length + 10 })
		await upload(member.token, 'fits.jpg')
		const over = await expectProblem(
			await uploadFile(web.baseUrl, member.token, jpeg, 'over.jpg'),
			403,
		)
		expect(over.type).toContain('quota-exceeded')
		expect(over.detail).toContain('for your account')

		const page = await adminForm(member.user.id, { intent: 'quota-clear' })
		expect(page.status).toBe(200)
		await upload(member.token, 'after.jpg')
		const form = await adminForm(member.user.id, { intent: 'quota', quota: '1.5', unit: 'GiB' })
		expect(form.status).toBe(200)
		const [row] = await sql`select quota_bytes from users where id = ${member.user.id}`
		expect(Number(row!.quota_bytes)).toBe(1.5 * 1024 ** 3)
		expect(await auditActions(member.user.id)).toEqual(['user.quota', 'user.quota', 'user.quota'])
	})
})

describe('a password-reset link', () => {
	const makeLink = async (userId: string) => {
		const response = await api(web.baseUrl, `/api/admin/users/${userId}/password-reset`, {
			method: 'POST',
			token: admin.token,
		})
		expect(response.status).toBe(201)
		const { url } = (await response.json()) as { url: string }
		return new URL(url).pathname
	}
	const choose = (pathname: string, newPassword: string) =>
		api(web.baseUrl, pathname, {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: new URLSearchParams({ newPassword }),
		})

	it('works once: sets the password, revokes old sessions and signs in; a newer link voids older ones', async () => {
		const member = await register(web.baseUrl)
		const cookie = await signInWithPage(member.email, PASSWORD)
		const older = await makeLink(member.user.id)
		const link = await makeLink(member.user.id)
		expect(link).toMatch(/^\/reset-password\/[\w-]{43}$/)
		expect(await (await api(web.baseUrl, older)).text()).toContain('has expired')

		const form = await (await api(web.baseUrl, link)).text()
		expect(form).toContain(member.email)
		const emailAsPassword = await choose(link, member.email)
		expect(emailAsPassword.status).toBe(422)
		expect(await emailAsPassword.text()).toContain('must not be your email address')

		const done = await choose(link, 'a brand new secret')
		expect(done.status).toBe(302)
		expect(done.headers.get('Location')).toBe('/images')
		const fresh = done.headers.get('Set-Cookie')!.split(';')[0]!
		expect(await status(withCookie(fresh, '/images'))).toBe(200)
		expect(await status(withCookie(cookie, '/images'))).toBe(302)
		await expectProblem(await api(web.baseUrl, '/api/me', { token: member.token }), 401)
		await expectProblem(await apiLogin(member.email, PASSWORD), 401)
		expect(await status(apiLogin(member.email, 'a brand new secret'))).toBe(200)

		expect(await (await api(web.baseUrl, link)).text()).toContain('already used')
		expect((await choose(link, 'another new secret')).status).toBe(404)
		expect(await auditActions(member.user.id)).toEqual([
			'user.password_reset_link',
			'user.password_reset_link',
			'auth.password_reset',
		])
	})

	it('expires after a day; an unknown link says so', async () => {
		const member = await register(web.baseUrl)
		const link = await makeLink(member.user.id)
		const [row] = await sql<{ hours: number }[]>`
			select extract(epoch from expires_at - created_at) / 3600 as hours
			from password_resets where user_id = ${member.user.id}`
		expect(Math.round(Number(row!.hours))).toBe(24)
		await sql`update password_resets set expires_at = now() - interval '1 second' where user_id = ${member.user.id}`
		expect(await (await api(web.baseUrl, link)).text()).toContain('has expired')
		expect((await choose(link, 'a brand new secret')).status).toBe(404)
		expect(await status(apiLogin(member.email, PASSWORD))).toBe(200)
		expect(await (await api(web.baseUrl, '/reset-password/nope')).text()).toContain('not valid')
	})
})

describe('npm run admin', () => {
	const adminCli = (...args: string[]) =>
		promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
			cwd: path.resolve(import.meta.dirname, '../..'),
			env: { ...process.env, LOG_LEVEL: 'silent' },
			timeout: 60_000,
		})

	it('still revokes the last admin from the shell, with a warning, and grants again', async () => {
		const revoked = await adminCli('revoke', admin.email)
		expect(revoked.stdout).toBe(`${admin.email} is no longer an admin.\n`)
		expect(revoked.stderr).toContain('Warning: this instance has no enabled admin now.')
		await expectProblem(await api(web.baseUrl, '/api/admin/users', { token: admin.token }), 403)
		const granted = await adminCli('grant', admin.email)
		expect(granted.stderr).toBe('')
		expect(await status(api(web.baseUrl, '/api/admin/users', { token: admin.token }))).toBe(200)
	}, 60_000)
})
