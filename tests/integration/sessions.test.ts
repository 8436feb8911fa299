import { createHash, randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiDocument } from '#app/http/openapi.server'
import { smallJpeg } from '#tests/support/images'
import {
	api,
	expectProblem,
	register,
	startWeb,
	uploadFile,
	type WebProcess,
} from '#tests/support/app'

// Issue 14, finding 11, through the real web process: token scopes enforced on
// every API route, the sessions a user can see and end, and a password change
// that ends every other session and token.

let web: WebProcess
let sql: postgres.Sql

beforeAll(async () => {
	// Three failed sign-ins (or wrong current passwords) per email and address a day.
	web = await startWeb({ RATE_LIMIT_LOGIN: '3/86400s' })
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

const allScopes = ['read', 'write', 'webhooks', 'tokens']

async function newToken(credential: string, json: Record<string, unknown>) {
	const response = await api(web.baseUrl, '/api/tokens', {
		method: 'POST',
		token: credential,
		json,
	})
	expect(response.status, await response.clone().text()).toBe(201)
	return (await response.json()) as { token: { id: string; scopes: string[] }; secret: string }
}

async function expectScopeRefused(response: Response, scope: string) {
	const problem = await expectProblem(response, 403)
	expect(problem.type).toBe('https://darkroom.dev/problems/insufficient-scope')
	expect(problem.detail).toContain(`"${scope}" scope`)
	expect(response.headers.get('WWW-Authenticate')).toBe(
		`Bearer error="insufficient_scope", scope="${scope}"`,
	)
}

/** Signs in through the page, as a browser does; returns the session cookie. */
async function signInWithPage(email: string, password: string, userAgent: string) {
	const response = await api(web.baseUrl, '/login', {
		method: 'POST',
		headers: { Origin: web.baseUrl, 'User-Agent': userAgent },
		body: new URLSearchParams({ email, password }),
	})
	expect(response.status).toBe(302)
	return response.headers.get('Set-Cookie')!.split(';')[0]!
}

const withCookie = (cookie: string, pathname: string, init: RequestInit = {}) =>
	api(web.baseUrl, pathname, {
		...init,
		headers: { Cookie: cookie, Origin: web.baseUrl, ...init.headers },
	})

const apiLogin = (email: string, password: string) =>
	api(web.baseUrl, '/api/auth/login', { method: 'POST', json: { email, password } })

type SignIn = {
	id: string
	kind: 'browser' | 'api'
	createdAt: string
	lastUsedAt: string | null
	expiresAt: string | null
	userAgent: string | null
	ip: string | null
	current: boolean
}

async function listSessions(cookie: string, userAgent = 'node') {
	const response = await withCookie(cookie, '/api/sessions', {
		headers: { 'User-Agent': userAgent },
	})
	expect(response.status).toBe(200)
	return ((await response.json()) as { items: SignIn[] }).items
}

describe('personal token scopes', () => {
	it('let a token do what its scopes allow and answer 403 naming the scope otherwise', async () => {
		const { token: login } = await register(web.baseUrl)
		const reader = await newToken(login, { name: 'reader', scopes: ['read'] })
		const writer = await newToken(login, { name: 'writer', scopes: ['write'] })
		const hooks = await newToken(login, { name: 'hooks', scopes: ['webhooks'] })
		expect(reader.token.scopes).toEqual(['read'])

		// An image to act on, uploaded by the write-only token.
		const uploaded = await uploadFile(web.baseUrl, writer.secret, await smallJpeg(), 'a.jpg')
		expect(uploaded.status).toBe(202)
		const { id } = (await uploaded.json()) as { id: string }

		// read: listing, detail, download, usage; never uploading, processing or deleting.
		expect((await api(web.baseUrl, '/api/images', { token: reader.secret })).status).toBe(200)
		expect((await api(web.baseUrl, `/api/images/${id}`, { token: reader.secret })).status).toBe(200)
		expect((await api(web.baseUrl, '/api/usage', { token: reader.secret })).status).toBe(200)
		await expectScopeRefused(
			await uploadFile(web.baseUrl, reader.secret, await smallJpeg(), 'b.jpg'),
			'write',
		)
		await expectScopeRefused(
			await api(web.baseUrl, `/api/images/${id}/process`, {
				method: 'POST',
				token: reader.secret,
				json: {},
			}),
			'write',
		)
		await expectScopeRefused(
			await api(web.baseUrl, `/api/images/${id}`, { method: 'DELETE', token: reader.secret }),
			'write',
		)
		await expectScopeRefused(
			await api(web.baseUrl, '/api/webhooks', { token: reader.secret }),
			'webhooks',
		)
		await expectScopeRefused(
			await api(web.baseUrl, '/api/tokens', { token: reader.secret }),
			'tokens',
		)
		await expectScopeRefused(
			await api(web.baseUrl, '/api/sessions', { token: reader.secret }),
			'tokens',
		)

		// write cannot read; webhooks can manage webhooks only.
		await expectScopeRefused(
			await api(web.baseUrl, '/api/images', { token: writer.secret }),
			'read',
		)
		expect((await api(web.baseUrl, '/api/webhooks', { token: hooks.secret })).status).toBe(200)
		await expectScopeRefused(await api(web.baseUrl, '/api/images', { token: hooks.secret }), 'read')

		// Any token may say who it is and sign itself out.
		for (const { secret } of [reader, writer, hooks]) {
			expect((await api(web.baseUrl, '/api/me', { token: secret })).status).toBe(200)
		}

		// The image is still there: nothing refused had an effect.
		const [row] = await sql`select count(*)::int as n from images where id = ${id}`
		expect(row!.n).toBe(1)
		expect(
			(await api(web.baseUrl, `/api/images/${id}`, { method: 'DELETE', token: writer.secret }))
				.status,
		).toBe(204)
	})

	it('let only a token with the tokens scope make tokens, and never with more scopes than it holds', async () => {
		const { token: login } = await register(web.baseUrl)
		const noTokens = await newToken(login, { name: 'no tokens', scopes: ['read', 'write'] })
		await expectScopeRefused(
			await api(web.baseUrl, '/api/tokens', {
				method: 'POST',
				token: noTokens.secret,
				json: { name: 'escalate', scopes: allScopes },
			}),
			'tokens',
		)
		await expectScopeRefused(
			await api(web.baseUrl, `/api/tokens/${noTokens.token.id}`, {
				method: 'DELETE',
				token: noTokens.secret,
			}),
			'tokens',
		)

		const minter = await newToken(login, { name: 'minter', scopes: ['tokens', 'read'] })
		await expectScopeRefused(
			await api(web.baseUrl, '/api/tokens', {
				method: 'POST',
				token: minter.secret,
				json: { name: 'escalate', scopes: ['read', 'write'] },
			}),
			'write',
		)
		// Without `scopes`, a token's child gets its maker's scopes; a sign-in's, all of them.
		expect((await newToken(minter.secret, { name: 'child' })).token.scopes).toEqual([
			'read',
			'tokens',
		])
		expect((await newToken(login, { name: 'full' })).token.scopes).toEqual(allScopes)

		const names = await sql`
			select name from sessions where kind = 'personal' and name = 'escalate'`
		expect(names).toHaveLength(0)
	})

	it('are enforced as /api/openapi.json documents them, on every scoped operation', async () => {
		const { token: login } = await register(web.baseUrl)
		const withoutScope = new Map<string, string>()
		for (const scope of allScopes) {
			const others = allScopes.filter((s) => s !== scope)
			withoutScope.set(
				scope,
				(await newToken(login, { name: `all but ${scope}`, scopes: others })).secret,
			)
		}
		const checked: string[] = []
		for (const [pathName, item] of Object.entries(openApiDocument.paths ?? {})) {
			for (const [method, op] of Object.entries(item as Record<string, unknown>)) {
				const security = (op as { security?: Array<Record<string, string[]>> }).security
				const scope = security?.[0]?.bearerAuth?.[0]
				if (!scope) continue
				const url = pathName.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000')
				const response = await api(web.baseUrl, url, {
					method: method.toUpperCase(),
					token: withoutScope.get(scope)!,
					...(method === 'get' || method === 'delete' ? {} : { json: {} }),
				})
				await expectScopeRefused(response, scope)
				checked.push(`${method.toUpperCase()} ${pathName}`)
			}
		}
		// Every operation but the public ones, GET /api/me and logout (12 of them albums and share links, 2 duplicates, 1 similar).
		expect(checked.length).toBe(53)
	})

	it.each([
		['an empty list', []],
		['an unknown scope', ['read', 'admin']],
		['a string', 'read'],
	])('answer 422 for %s', async (_case, scopes) => {
		const { token: login } = await register(web.baseUrl)
		const response = await api(web.baseUrl, '/api/tokens', {
			method: 'POST',
			token: login,
			json: { name: 'x', scopes },
		})
		const problem = await expectProblem(response, 422)
		expect(problem.errors?.[0]?.path).toMatch(/^scopes/)
	})

	it('give tokens made before scopes existed every scope (the migration default)', async () => {
		const { user } = await register(web.baseUrl)
		const secret = `drk_${randomBytes(32).toString('base64url')}`
		const hash = createHash('sha256').update(secret).digest('hex')
		// As an old row: no scopes column in the insert.
		await sql`insert into sessions (user_id, kind, name, token_hash, expires_at)
			values (${user.id}, 'personal', 'old script', ${hash}, null)`
		const listed = await api(web.baseUrl, '/api/tokens', { token: secret })
		expect(listed.status).toBe(200)
		const { items } = (await listed.json()) as { items: Array<{ scopes: string[] }> }
		expect(items[0]!.scopes).toEqual(allScopes)
		expect((await uploadFile(web.baseUrl, secret, await smallJpeg(), 'old.jpg')).status).toBe(202)
	})

	it('cannot be sidestepped through a page: pages ignore bearer tokens', async () => {
		const { token: login, user } = await register(web.baseUrl)
		const reader = await newToken(login, { name: 'reader', scopes: ['read'] })
		const viaPage = await api(web.baseUrl, '/settings/tokens', {
			method: 'POST',
			token: reader.secret,
			body: new URLSearchParams({ intent: 'create', name: 'from a page', scopes: 'tokens' }),
		})
		expect(viaPage.status).toBe(302)
		expect(viaPage.headers.get('Location')).toMatch(/^\/login\?/)
		const rows =
			await sql`select name from sessions where user_id = ${user.id} and kind = 'personal'`
		expect(rows.map((r) => r.name)).toEqual(['reader'])
	})
})

describe('sessions', () => {
	it('list browser sessions and API sign-ins with client and address, mark the current one, and revoke one', async () => {
		const account = await register(web.baseUrl)
		const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
		const cookie = await signInWithPage(account.email, account.password, firefox)
		const personal = await newToken(account.token, { name: 'not a sign-in' })

		// The same browser as it signed in with: each use notes the client again.
		const items = await listSessions(cookie, firefox)
		expect(items).toHaveLength(2)
		const [current, apiSignIn] = items
		expect(current).toMatchObject({ kind: 'browser', current: true, userAgent: firefox })
		expect(current!.ip).toBe('127.0.0.1')
		expect(apiSignIn).toMatchObject({ kind: 'api', current: false, ip: '127.0.0.1' })
		expect(apiSignIn!.userAgent).toEqual(expect.any(String))
		expect(items.map((s) => s.id)).not.toContain(personal.token.id)

		// Another user's session and a personal token are not here to revoke.
		const other = await register(web.baseUrl)
		const [otherSession] = await sql`select id from sessions where user_id = ${other.user.id}`
		for (const id of [otherSession!.id as string, personal.token.id, 'nope']) {
			await expectProblem(
				await withCookie(cookie, `/api/sessions/${id}`, { method: 'DELETE' }),
				404,
			)
		}
		expect((await api(web.baseUrl, '/api/me', { token: other.token })).status).toBe(200)

		const revoke = await withCookie(cookie, `/api/sessions/${apiSignIn!.id}`, { method: 'DELETE' })
		expect(revoke.status).toBe(204)
		await expectProblem(await api(web.baseUrl, '/api/me', { token: account.token }), 401)
		expect((await listSessions(cookie)).map((s) => s.id)).toEqual([current!.id])
		expect((await api(web.baseUrl, '/api/me', { token: personal.secret })).status).toBe(200)
	})

	it('note the client again when "last used" is touched', async () => {
		const account = await register(web.baseUrl)
		const [row] = await sql`select id from sessions where user_id = ${account.user.id}`
		await sql`update sessions set last_used_at = now() - interval '5 minutes',
			user_agent = 'old-client/1', ip = '203.0.113.9' where id = ${row!.id}`
		const response = await api(web.baseUrl, '/api/me', {
			token: account.token,
			headers: { 'User-Agent': 'new-client/2' },
		})
		expect(response.status).toBe(200)
		const [after] =
			await sql`select user_agent, ip, last_used_at from sessions where id = ${row!.id}`
		expect(after).toMatchObject({ user_agent: 'new-client/2', ip: '127.0.0.1' })
		expect(Date.now() - (after!.last_used_at as Date).getTime()).toBeLessThan(60_000)
	})

	it('sign out everywhere else from the page, keeping this browser and personal tokens', async () => {
		const account = await register(web.baseUrl)
		const cookie = await signInWithPage(account.email, account.password, 'browser-one')
		const second = await signInWithPage(account.email, account.password, 'browser-two')
		const personal = await newToken(account.token, { name: 'script' })

		const page = await withCookie(cookie, '/settings/sessions')
		expect(page.status).toBe(200)
		const html = await page.text()
		expect(html).toContain('This session')
		expect(html).toContain('browser-two')

		const response = await withCookie(cookie, '/settings/sessions', {
			method: 'POST',
			body: new URLSearchParams({ intent: 'revoke-others' }),
		})
		expect(response.status).toBe(200)
		expect(await response.text()).toContain('2 sessions ended')
		expect((await withCookie(second, '/api/me')).status).toBe(401)
		await expectProblem(await api(web.baseUrl, '/api/me', { token: account.token }), 401)
		expect((await withCookie(cookie, '/api/me')).status).toBe(200)
		expect((await api(web.baseUrl, '/api/me', { token: personal.secret })).status).toBe(200)
	})
})

describe('password change', () => {
	const changePassword = (cookie: string, currentPassword: string, newPassword: string) =>
		withCookie(cookie, '/settings/password', {
			method: 'POST',
			body: new URLSearchParams({ currentPassword, newPassword }),
		})

	async function accountWithEverything() {
		const account = await register(web.baseUrl)
		const cookie = await signInWithPage(account.email, account.password, 'this-browser')
		const otherBrowser = await signInWithPage(account.email, account.password, 'other-browser')
		const personal = await newToken(account.token, { name: 'script' })
		const stillWorking = async () => ({
			thisBrowser: (await withCookie(cookie, '/api/me')).status,
			otherBrowser: (await withCookie(otherBrowser, '/api/me')).status,
			apiSignIn: (await api(web.baseUrl, '/api/me', { token: account.token })).status,
			personal: (await api(web.baseUrl, '/api/me', { token: personal.secret })).status,
		})
		return { ...account, cookie, stillWorking }
	}

	const allWorking = { thisBrowser: 200, otherBrowser: 200, apiSignIn: 200, personal: 200 }

	it('revokes every other session and token, keeps this one, and takes the new password', async () => {
		const account = await accountWithEverything()
		const response = await changePassword(account.cookie, account.password, 'a brand new secret')
		expect(response.status).toBe(200)
		// React separates the parts of the sentence with empty comments.
		const text = (await response.text()).replaceAll('<!-- -->', '')
		expect(text).toContain('Password changed. 3 other sessions and tokens were signed out.')
		expect(await account.stillWorking()).toEqual({
			thisBrowser: 200,
			otherBrowser: 401,
			apiSignIn: 401,
			personal: 401,
		})
		expect((await apiLogin(account.email, 'a brand new secret')).status).toBe(200)
		expect((await apiLogin(account.email, account.password)).status).toBe(401)
	})

	it('refuses a wrong current password or a short new one with a readable error, revoking nothing', async () => {
		const account = await accountWithEverything()
		const wrong = await changePassword(account.cookie, 'not my password', 'a brand new secret')
		expect(wrong.status).toBe(422)
		expect(await wrong.text()).toContain('Your current password is not correct.')
		const short = await changePassword(account.cookie, account.password, 'short')
		expect(short.status).toBe(422)
		expect(await short.text()).toContain('Password must be at least 8 characters')
		expect(await account.stillWorking()).toEqual(allWorking)
		expect((await apiLogin(account.email, account.password)).status).toBe(200)
	})

	it('counts wrong current passwords as failed sign-ins: the budget ends with 429, even for the right one', async () => {
		const account = await accountWithEverything()
		for (let n = 0; n < 3; n++) {
			expect(
				(await changePassword(account.cookie, `guess ${n}`, 'a brand new secret')).status,
			).toBe(422)
		}
		const refused = await changePassword(account.cookie, account.password, 'a brand new secret')
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
		expect(await refused.text()).toMatch(/Too many failed sign-in attempts/)
		expect(await account.stillWorking()).toEqual(allWorking)
		// The same budget as signing in with that email from this address.
		await expectProblem(await apiLogin(account.email, account.password), 429)
	})
})
