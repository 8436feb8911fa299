import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	api,
	expectProblem,
	randomEmail,
	register,
	startWeb,
	type WebProcess,
} from '#tests/support/app'

// Passwords per NIST SP 800-63B: 8 or more characters, none from the shipped
// list of common and breached passwords, not the account's own email; the
// same rules at registration (API and page) and on a password change.

let web: WebProcess

beforeAll(async () => {
	web = await startWeb()
})

afterAll(async () => {
	await web?.stop()
})

const registerWith = (email: string, password: string) =>
	api(web.baseUrl, '/api/auth/register', { method: 'POST', json: { email, password } })

describe('registration through the API', () => {
	// Entries of the list, in another case too: the check ignores case.
	it.each(['password1', 'qwertyuiop', 'Sunshine1', 'TRUSTNO1'])(
		'refuses the common password %s with a problem naming the reason',
		async (password) => {
			const response = await registerWith(randomEmail(), password)
			const problem = await expectProblem(response, 422)
			expect(problem.errors).toEqual([
				{ path: 'password', message: expect.stringContaining('common or breached passwords') },
			])
		},
	)

	it('refuses the email as password, in any case', async () => {
		const email = randomEmail()
		const problem = await expectProblem(await registerWith(email, email.toUpperCase()), 422)
		expect(problem.errors).toEqual([
			{ path: 'password', message: 'Your password must not be your email address.' },
		])
	})

	it('counts characters, not bytes: 7 emoji are too short, 8 are enough', async () => {
		const short = await expectProblem(await registerWith(randomEmail(), '📷'.repeat(7)), 422)
		expect(short.errors).toEqual([
			{ path: 'password', message: 'Password must be at least 8 characters' },
		])
		expect((await registerWith(randomEmail(), '📷'.repeat(8))).status).toBe(201)
	})

	it('takes a long passphrase of 64 characters and more, with spaces', async () => {
		const passphrase = 'the lamp on the darkroom shelf glows a dim red at night, '.repeat(2)
		expect(passphrase.length).toBeGreaterThan(64)
		expect((await registerWith(randomEmail(), passphrase)).status).toBe(201)
	})
})

describe('registration and password change pages', () => {
	async function signIn(email: string, password: string) {
		const response = await api(web.baseUrl, '/login', {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: new URLSearchParams({ email, password }),
		})
		expect(response.status).toBe(302)
		return response.headers.get('Set-Cookie')!.split(';')[0]!
	}

	it('the register page shows why a common password was refused, and creates nothing', async () => {
		const email = randomEmail()
		const response = await api(web.baseUrl, '/register', {
			method: 'POST',
			headers: { Origin: web.baseUrl },
			body: new URLSearchParams({ email, password: 'iloveyou' }),
		})
		expect(response.status).toBe(200)
		expect(await response.text()).toContain('This password is on a list of common or breached')
		expect((await registerWith(email, 'a fine unlisted passphrase')).status).toBe(201)
	})

	it('the password change page shows the message, and the old password keeps working', async () => {
		const account = await register(web.baseUrl)
		const cookie = await signIn(account.email, account.password)
		const change = (newPassword: string) =>
			api(web.baseUrl, '/settings/password', {
				method: 'POST',
				headers: { Cookie: cookie, Origin: web.baseUrl },
				body: new URLSearchParams({ currentPassword: account.password, newPassword }),
			})
		const common = await change('baseball1')
		expect(common.status).toBe(422)
		expect(await common.text()).toContain('This password is on a list of common or breached')
		const email = await change(account.email)
		expect(email.status).toBe(422)
		expect(await email.text()).toContain('Your password must not be your email address.')
		const login = await api(web.baseUrl, '/api/auth/login', {
			method: 'POST',
			json: { email: account.email, password: account.password },
		})
		expect(login.status).toBe(200)
	})
})
