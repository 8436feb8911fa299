import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, expectProblem, register, startWeb, type WebProcess } from '#tests/support/app'

// Personal API tokens through the real web process: made once, usable as a
// bearer token or X-API-Key, listed without their secret, revocable at once.

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

type ApiToken = {
	id: string
	name: string
	createdAt: string
	expiresAt: string | null
	lastUsedAt: string | null
	scopes: string[]
}

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const createToken = (token: string, json: unknown) =>
	api(web.baseUrl, '/api/tokens', { method: 'POST', token, json })

async function newToken(login: string, json: unknown = { name: 'CI uploader' }) {
	const response = await createToken(login, json)
	expect(response.status, await response.clone().text()).toBe(201)
	return (await response.json()) as { token: ApiToken; secret: string }
}

const listTokens = async (login: string) => {
	const response = await api(web.baseUrl, '/api/tokens', { token: login })
	expect(response.status).toBe(200)
	return ((await response.json()) as { items: ApiToken[] }).items
}

const withApiKey = (key: string) =>
	api(web.baseUrl, '/api/images', { headers: { 'X-API-Key': key } })

describe('personal API tokens', () => {
	it('are shown once, work as Bearer and X-API-Key, are listed without a secret, and stop at revoke', async () => {
		const { token: login } = await register(web.baseUrl)
		const created = await newToken(login, { name: '  CI uploader  ' })
		expect(Object.keys(created).sort()).toEqual(['secret', 'token'])
		expect(created.secret).toMatch(/^drk_[A-Za-z0-9_-]{43}$/)
		expect(created.token).toEqual({
			id: expect.any(String),
			name: 'CI uploader',
			createdAt: expect.stringMatching(isoPattern),
			expiresAt: null,
			lastUsedAt: null,
			// Made by a sign-in without `scopes`: every scope.
			scopes: ['read', 'write', 'webhooks', 'tokens'],
		})

		// Only the SHA-256 of the secret is stored.
		const [row] =
			await sql`select kind, name, token_hash, expires_at from sessions where id = ${created.token.id}`
		expect(row).toMatchObject({ kind: 'personal', name: 'CI uploader', expires_at: null })
		expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/)
		expect(row!.token_hash).not.toContain(created.secret)

		const bearer = await api(web.baseUrl, '/api/images', { token: created.secret })
		expect(bearer.status).toBe(200)
		expect((await bearer.json()).items).toEqual([])
		const key = await withApiKey(created.secret)
		expect(key.status).toBe(200)
		const me = await api(web.baseUrl, '/api/me', { headers: { 'X-API-Key': created.secret } })
		expect((await me.json()).user.id).toBe(
			(
				(await (await api(web.baseUrl, '/api/me', { token: login })).json()) as {
					user: { id: string }
				}
			).user.id,
		)

		const listResponse = await api(web.baseUrl, '/api/tokens', { token: login })
		const listText = await listResponse.text()
		expect(listText).not.toContain(created.secret)
		expect(listText).not.toContain(row!.token_hash)
		const [listed] = (JSON.parse(listText) as { items: ApiToken[] }).items
		expect(Object.keys(listed!).sort()).toEqual([
			'createdAt',
			'expiresAt',
			'id',
			'lastUsedAt',
			'name',
			'scopes',
		])
		expect(listed).toMatchObject({ id: created.token.id, name: 'CI uploader', expiresAt: null })
		expect(listed!.lastUsedAt).toMatch(isoPattern)
		expect(Date.now() - new Date(listed!.lastUsedAt!).getTime()).toBeLessThan(60_000)

		const revoke = await api(web.baseUrl, `/api/tokens/${created.token.id}`, {
			method: 'DELETE',
			token: login,
		})
		expect(revoke.status).toBe(204)
		for (const response of [
			await api(web.baseUrl, '/api/images', { token: created.secret }),
			await withApiKey(created.secret),
		]) {
			await expectProblem(response, 401)
			expect(response.headers.get('WWW-Authenticate')).toBe('Bearer')
		}
		expect(await listTokens(login)).toEqual([])
		// Revoking it again: it is gone.
		await expectProblem(
			await api(web.baseUrl, `/api/tokens/${created.token.id}`, { method: 'DELETE', token: login }),
			404,
		)
	})

	it('lists newest first and sets expiresAt from expiresInDays', async () => {
		const { token: login } = await register(web.baseUrl)
		const first = await newToken(login, { name: 'first' })
		const second = await newToken(login, { name: 'second', expiresInDays: 30 })
		const expiresIn = new Date(second.token.expiresAt!).getTime() - Date.now()
		expect(expiresIn).toBeGreaterThan(30 * 86_400_000 - 60_000)
		expect(expiresIn).toBeLessThanOrEqual(30 * 86_400_000)
		const items = await listTokens(login)
		expect(items.map((t) => t.id)).toEqual([second.token.id, first.token.id])
	})

	it("hides one user's tokens from another, who can neither list nor revoke them", async () => {
		const owner = await register(web.baseUrl)
		const other = await register(web.baseUrl)
		const { token, secret } = await newToken(owner.token)
		expect(await listTokens(other.token)).toEqual([])
		const response = await api(web.baseUrl, `/api/tokens/${token.id}`, {
			method: 'DELETE',
			token: other.token,
		})
		const problem = await expectProblem(response, 404)
		expect(problem.detail).toBe('No API token with this id.')
		// Still working for its owner.
		expect((await withApiKey(secret)).status).toBe(200)
		// A malformed id is the same 404, and login tokens cannot be revoked here.
		await expectProblem(
			await api(web.baseUrl, '/api/tokens/not-a-uuid', { method: 'DELETE', token: owner.token }),
			404,
		)
		const [loginSession] = await sql`
			select id from sessions where user_id = ${owner.user.id} and kind = 'token' limit 1`
		await expectProblem(
			await api(web.baseUrl, `/api/tokens/${loginSession!.id}`, {
				method: 'DELETE',
				token: owner.token,
			}),
			404,
		)
	})

	it('refuses an expired token with 401 and marks it expired in the list', async () => {
		const { token: login } = await register(web.baseUrl)
		const { token, secret } = await newToken(login, { name: 'short-lived', expiresInDays: 1 })
		expect((await withApiKey(secret)).status).toBe(200)
		await sql`update sessions set expires_at = now() - interval '1 minute' where id = ${token.id}`
		for (const response of [
			await withApiKey(secret),
			await api(web.baseUrl, '/api/images', { token: secret }),
		]) {
			const problem = await expectProblem(response, 401)
			expect(response.headers.get('WWW-Authenticate')).toBe('Bearer')
			expect(problem.detail).toBe('The access token is missing, expired or revoked.')
		}
		// Still listed (so the owner sees it expired) until cleanup removes it.
		const [listed] = await listTokens(login)
		expect(new Date(listed!.expiresAt!).getTime()).toBeLessThan(Date.now())
	})

	it('answers 401 with WWW-Authenticate for an unknown X-API-Key, and without credentials', async () => {
		const bad = await withApiKey('drk_not-a-real-token')
		await expectProblem(bad, 401)
		expect(bad.headers.get('WWW-Authenticate')).toBe('Bearer')
		for (const response of [
			await api(web.baseUrl, '/api/tokens'),
			await api(web.baseUrl, '/api/tokens', { method: 'POST', json: { name: 'x' } }),
			await api(web.baseUrl, '/api/tokens/00000000-0000-4000-8000-000000000000', {
				method: 'DELETE',
			}),
		]) {
			await expectProblem(response, 401)
			expect(response.headers.get('WWW-Authenticate')).toBe('Bearer')
		}
	})

	it.each([
		['a missing name', {}, 'name'],
		['a blank name', { name: '   ' }, 'name'],
		['a 101-character name', { name: 'x'.repeat(101) }, 'name'],
		['a name that is not a string', { name: 42 }, 'name'],
		['0 days', { name: 'a', expiresInDays: 0 }, 'expiresInDays'],
		['3651 days', { name: 'a', expiresInDays: 3651 }, 'expiresInDays'],
		['1.5 days', { name: 'a', expiresInDays: 1.5 }, 'expiresInDays'],
		['days as a string', { name: 'a', expiresInDays: '30' }, 'expiresInDays'],
	])('answers 422 naming the field for %s, and creates nothing', async (_case, input, field) => {
		const { token: login } = await register(web.baseUrl)
		const problem = await expectProblem(await createToken(login, input), 422)
		expect(problem.errors).toEqual([{ path: field, message: expect.any(String) }])
		expect(await listTokens(login)).toEqual([])
	})

	it('accepts the limits: 100 characters and 3650 days', async () => {
		const { token: login } = await register(web.baseUrl)
		const { token } = await newToken(login, { name: 'n'.repeat(100), expiresInDays: 3650 })
		expect(token.name).toHaveLength(100)
		expect(token.expiresAt).toMatch(isoPattern)
	})

	it('answers 400 for a body that is not JSON', async () => {
		const { token: login } = await register(web.baseUrl)
		const response = await api(web.baseUrl, '/api/tokens', {
			method: 'POST',
			token: login,
			headers: { 'Content-Type': 'application/json' },
			body: '{name:',
		})
		await expectProblem(response, 400)
	})

	it('lets a personal token make another one', async () => {
		const { token: login } = await register(web.baseUrl)
		const { secret } = await newToken(login, { name: 'parent' })
		const response = await api(web.baseUrl, '/api/tokens', {
			method: 'POST',
			headers: { 'X-API-Key': secret, 'Content-Type': 'application/json' },
			body: JSON.stringify({ name: 'child' }),
		})
		expect(response.status).toBe(201)
		expect((await listTokens(login)).map((t) => t.name)).toEqual(['child', 'parent'])
	})

	it('caps active tokens at 50 with a 409 that says what to do; revoked and expired ones do not count', async () => {
		const { token: login, user } = await register(web.baseUrl)
		// 49 made straight in the database, one expired and one revoked on top.
		await sql`
			insert into sessions (user_id, kind, name, token_hash, expires_at)
			select ${user.id}, 'personal', 'bulk ' || n, md5(random()::text) || n, null
			from generate_series(1, 49) n`
		await sql`
			insert into sessions (user_id, kind, name, token_hash, expires_at, revoked_at) values
			(${user.id}, 'personal', 'old', md5(random()::text), now() - interval '1 hour', null),
			(${user.id}, 'personal', 'gone', md5(random()::text), null, now())`
		await newToken(login, { name: 'fiftieth' })
		const problem = await expectProblem(await createToken(login, { name: 'one too many' }), 409)
		expect(problem.detail).toMatch(/50 active API tokens.*Revoke one/)
		const items = await listTokens(login)
		await api(web.baseUrl, `/api/tokens/${items[0]!.id}`, { method: 'DELETE', token: login })
		await newToken(login, { name: 'after revoking' })
	})

	it('answers 405 for other methods', async () => {
		const { token: login } = await register(web.baseUrl)
		const put = await api(web.baseUrl, '/api/tokens', { method: 'PUT', token: login })
		await expectProblem(put, 405)
		expect(put.headers.get('Allow')).toBe('GET, POST')
		const get = await api(web.baseUrl, '/api/tokens/00000000-0000-4000-8000-000000000000', {
			token: login,
		})
		await expectProblem(get, 405)
		expect(get.headers.get('Allow')).toBe('DELETE')
	})

	it('cannot be made cross-site with the session cookie, through the API or the settings page', async () => {
		const account = await register(web.baseUrl)
		const signIn = await api(web.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: new URLSearchParams({ email: account.email, password: account.password }),
		})
		expect(signIn.status).toBe(302)
		const cookie = signIn.headers.get('Set-Cookie')!.split(';')[0]!
		const viaApi = (origin: string) =>
			api(web.baseUrl, '/api/tokens', {
				method: 'POST',
				headers: { Cookie: cookie, Origin: origin },
				json: { name: 'from a page' },
			})
		const viaPage = (origin: string) =>
			api(web.baseUrl, '/settings/tokens', {
				method: 'POST',
				headers: { Cookie: cookie, Origin: origin },
				// read to list images with it below, tokens to make one with it.
				body: new URLSearchParams([
					['intent', 'create'],
					['name', 'from a form'],
					['expiresInDays', ''],
					['scopes', 'read'],
					['scopes', 'tokens'],
				]),
			})

		await expectProblem(await viaApi('https://evil.example'), 403)
		const foreignForm = await viaPage('https://evil.example')
		expect(foreignForm.status).toBe(403)
		expect(await foreignForm.text()).not.toContain('drk_')
		expect(await listTokens(account.token)).toEqual([])

		// From the site itself both work; the page shows the secret once, uncached.
		expect((await viaApi(web.baseUrl)).status).toBe(201)
		const ownForm = await viaPage(web.baseUrl)
		expect(ownForm.status).toBe(200)
		expect(ownForm.headers.get('Cache-Control')).toBe('no-store')
		const secret = /drk_[A-Za-z0-9_-]{43}/.exec(await ownForm.text())?.[0]
		expect(secret).toBeDefined()
		expect((await withApiKey(secret!)).status).toBe(200)

		// A key, like a bearer token, makes the cookie irrelevant: it alone decides.
		const withKey = (key: string) =>
			api(web.baseUrl, '/api/tokens', {
				method: 'POST',
				headers: { Cookie: cookie, Origin: 'https://elsewhere.example', 'X-API-Key': key },
				json: { name: 'by key' },
			})
		expect((await withKey(secret!)).status).toBe(201)
		await expectProblem(await withKey('drk_wrong'), 401)
		expect((await listTokens(account.token)).map((t) => t.name)).toEqual([
			'by key',
			'from a form',
			'from a page',
		])
	})
})
