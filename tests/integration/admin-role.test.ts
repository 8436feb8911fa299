import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, register, startWeb, type WebProcess } from '#tests/support/app'

// Admin is a role on the account (decision 011): the first account of a fresh
// instance, `npm run admin -- grant`, or ADMIN_EMAILS for accounts that exist
// at start. Each test file gets an empty database, so "fresh instance" is real.

const root = path.resolve(import.meta.dirname, '../..')
const exec = promisify(execFile)
const LISTED = `listed-${Date.now()}@example.test`
let web: WebProcess
let sql: postgres.Sql

beforeAll(async () => {
	web = await startWeb({ ADMIN_EMAILS: `someone@example.test, ${LISTED.toUpperCase()}` })
	sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
	await web?.stop()
	await sql?.end()
})

/** The admin-only retention sweep: 200 for an admin, 403 for anyone else. */
const sweep = (token: string, base = web.baseUrl) =>
	api(base, '/api/admin/retention/sweep', {
		method: 'POST',
		token,
		json: { olderThanDays: 36_500 },
	})

/**
 * The admin CLI against this file's database: through `npm run admin --` as
 * an operator types it, or straight through node (quicker) for the rest.
 */
async function adminCli(...args: string[]) {
	return run(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args])
}
const npmRunAdmin = (...args: string[]) => run('npm', ['run', '--silent', 'admin', '--', ...args])

async function run(command: string, args: string[]) {
	try {
		const { stdout, stderr } = await exec(command, args, {
			cwd: root,
			env: { ...process.env, LOG_LEVEL: 'silent' },
			timeout: 60_000,
		})
		return { code: 0, stdout, stderr }
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string }
		return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
	}
}

describe('the admin role', () => {
	it('goes to exactly one of the first accounts of a fresh instance, even registered at once', async () => {
		const accounts = await Promise.all(Array.from({ length: 6 }, () => register(web.baseUrl)))
		const statuses = await Promise.all(accounts.map(async (a) => (await sweep(a.token)).status))
		expect(statuses.filter((s) => s === 200)).toHaveLength(1)
		expect(statuses.filter((s) => s === 403)).toHaveLength(5)
		const admins = await sql`select email from users where role = 'admin'`
		expect(admins).toHaveLength(1)
		const admin = accounts[statuses.indexOf(200)]!
		expect(admins[0]!.email).toBe(admin.email)
	})

	it('is never given by registering an address listed in ADMIN_EMAILS', async () => {
		const listed = await register(web.baseUrl, LISTED)
		const response = await sweep(listed.token)
		expect(response.status).toBe(403)
		const [row] = await sql`select role from users where email = ${LISTED}`
		expect(row!.role).toBe('member')
	})

	it('is given by ADMIN_EMAILS to an account that exists when a process starts, and logged', async () => {
		const token = (await api(web.baseUrl, '/api/auth/login', {
			method: 'POST',
			json: { email: LISTED, password: 'correct horse battery' },
		}).then((r) => r.json())) as { token: string }
		const restarted = await startWeb({ ADMIN_EMAILS: `someone@example.test, ${LISTED}` })
		try {
			const promoted = restarted
				.logs()
				.filter((line) => String(line.msg).includes('ADMIN_EMAILS'))
				.map((line) => line.email)
			expect(promoted).toEqual([LISTED])
			expect((await sweep(token.token, restarted.baseUrl)).status).toBe(200)
		} finally {
			await restarted.stop()
		}
		// The role is read with the session: the web process started earlier sees it too.
		expect((await sweep(token.token)).status).toBe(200)
	})

	it('is granted and revoked with npm run admin, which needs an existing account', async () => {
		const account = await register(web.baseUrl)
		expect((await sweep(account.token)).status).toBe(403)

		const granted = await npmRunAdmin('grant', account.email.toUpperCase())
		expect(granted).toMatchObject({ code: 0, stdout: `${account.email} is now an admin.\n` })
		// The same token is an admin's now.
		expect((await sweep(account.token)).status).toBe(200)
		expect((await adminCli('list')).stdout).toContain(`${account.email}\n`)

		expect((await adminCli('revoke', account.email)).code).toBe(0)
		expect((await sweep(account.token)).status).toBe(403)

		const unknown = await adminCli('grant', 'nobody@example.test')
		expect(unknown.code).toBe(1)
		expect(unknown.stderr).toContain('No account with the email nobody@example.test')
		const wrong = await adminCli('promote', account.email)
		expect(wrong.code).toBe(64)
		expect(wrong.stderr).toContain('usage: npm run admin -- grant EMAIL')
	})
})
