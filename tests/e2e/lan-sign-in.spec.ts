import { randomUUID } from 'node:crypto'
import os from 'node:os'
import { expect, test } from '@playwright/test'
import { embeddedDatabaseUrl } from '#db/embedded'
import { type OwnServer, startOwnWeb } from './own-server'
import { password, untilHydrated } from './support'

// Issue 15, broken 3: `http://<machine-ip>:3000` signed in, then landed back on
// /login without a word, because the session cookie was Secure and Chromium
// drops a Secure cookie set over plain HTTP (loopback counts as secure, so only
// a real interface address shows it). These servers are production web
// processes bound to this machine's own non-loopback address, sharing the
// e2e server's database and data directory.

const lanAddress = Object.values(os.networkInterfaces())
	.flat()
	.find((info) => info && info.family === 'IPv4' && !info.internal)?.address

function startLanServer(env: Record<string, string> = {}) {
	const dataDir = process.env.DARKROOM_E2E_DATA_DIR!
	return startOwnWeb(lanAddress!, {
		NODE_ENV: 'production',
		DATA_DIR: dataDir,
		DATABASE_URL: embeddedDatabaseUrl(dataDir),
		...env,
	})
}

async function newAccount(url: string) {
	const email = `lan-${randomUUID()}@example.com`
	const response = await fetch(`${url}/api/auth/register`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ email, password }),
	})
	expect(response.status).toBe(201)
	return email
}

test.skip(!lanAddress, 'This machine has no non-loopback IPv4 address to bind a server to.')

for (const javaScriptEnabled of [true, false]) {
	test.describe(`JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
		test.use({ javaScriptEnabled })

		test.describe('without PUBLIC_URL (a home network)', () => {
			let server: OwnServer
			test.beforeAll(async () => {
				server = await startLanServer()
			})
			test.afterAll(async () => {
				await server?.stop()
			})

			test('signs in over plain HTTP to the machine’s address and stays signed in', async ({
				page,
				context,
			}) => {
				const email = await newAccount(server.url)
				await page.goto(`${server.url}/login`)
				await untilHydrated(page)
				await page.getByLabel('Email').fill(email)
				await page.getByLabel('Password').fill(password)
				await page.getByRole('button', { name: 'Sign in' }).click()

				await expect(page).toHaveURL(`${server.url}/images`)
				await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
				const cookies = await context.cookies(server.url)
				expect(cookies.find((c) => c.name === 'darkroom_session')).toMatchObject({
					secure: false,
					httpOnly: true,
				})
				// A new page load still has the session.
				await page.goto(`${server.url}/usage`)
				await expect(page).toHaveURL(`${server.url}/usage`)
				await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
			})
		})

		test.describe('with an https PUBLIC_URL, opened by address over HTTP', () => {
			let server: OwnServer
			test.beforeAll(async () => {
				server = await startLanServer({
					PUBLIC_URL: 'https://photos.example.test',
					ALLOWED_HOSTS: lanAddress!,
				})
			})
			test.afterAll(async () => {
				await server?.stop()
			})

			test('the login page says why the sign-in did not stick, and where to go', async ({
				page,
			}) => {
				const email = await newAccount(server.url)
				await page.goto(`${server.url}/login`)
				await untilHydrated(page)
				await page.getByLabel('Email').fill(email)
				await page.getByLabel('Password').fill(password)
				await page.getByRole('button', { name: 'Sign in' }).click()

				await expect(page).toHaveURL(new RegExp(`^${server.url}/login`))
				const alert = page.getByRole('alert')
				await expect(alert).toContainText('did not keep the sign-in cookie')
				await expect(
					alert.getByRole('link', { name: 'https://photos.example.test/login' }),
				).toBeVisible()
			})
		})
	})
}
