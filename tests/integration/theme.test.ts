import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWeb, type WebProcess } from '#tests/support/app'

// The theme switch without JavaScript: a plain form POST that sets a cookie
// and goes back to the page it came from, and never anywhere else.

let web: WebProcess

beforeAll(async () => {
	web = await startWeb()
})

afterAll(async () => {
	await web?.stop()
})

function choose(fields: Record<string, string>, cookie?: string) {
	return fetch(`${web.baseUrl}/theme`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			Origin: web.baseUrl,
			'Content-Type': 'application/x-www-form-urlencoded',
			...(cookie ? { Cookie: cookie } : {}),
		},
		body: new URLSearchParams(fields),
	})
}

describe('POST /theme', () => {
	it('remembers the choice in a cookie and returns to the page, which renders in that theme', async () => {
		const response = await choose({ theme: 'dark', redirectTo: '/login?redirectTo=%2Fimages' })
		expect(response.status).toBe(302)
		expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Fimages')
		const cookie = response.headers.get('Set-Cookie')!
		expect(cookie).toMatch(/^darkroom_theme=/)
		expect(cookie).toMatch(/HttpOnly/i)
		expect(cookie).toMatch(/Max-Age=31536000/)

		const page = await fetch(`${web.baseUrl}/login`, { headers: { Cookie: cookie.split(';')[0]! } })
		expect(await page.text()).toMatch(/<html[^>]*class="h-full dark"/)
		const plain = await fetch(`${web.baseUrl}/login`)
		expect(await plain.text()).toMatch(/<html[^>]*class="h-full "/)
	})

	it('goes back unchanged for an unknown theme, and only to this site', async () => {
		const invalid = await choose({ theme: 'sepia', redirectTo: '/register' })
		expect(invalid.status).toBe(302)
		expect(invalid.headers.get('Location')).toBe('/register')
		expect(invalid.headers.get('Set-Cookie')).toBeNull()

		for (const redirectTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
			const response = await choose({ theme: 'light', redirectTo })
			expect(response.headers.get('Location')).toBe('/')
		}
	})

	it('answers a fetcher (no redirectTo) with the choice, or 422 for an unknown one', async () => {
		const ok = await choose({ theme: 'light' })
		expect(ok.status).toBe(200)
		expect(ok.headers.get('Set-Cookie')).toMatch(/^darkroom_theme=/)
		const bad = await choose({ theme: 'sepia' })
		expect(bad.status).toBe(422)
	})
})
