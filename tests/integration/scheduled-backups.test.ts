import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, backupRuns } from '#db/schema'
import { backupOverdue } from '#app/backup/runs.server'
import { db } from '#app/db.server'
import {
	api,
	register,
	startWeb,
	startWorker,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'

// Scheduled backups (issue 13): BACKUP_SCHEDULE runs the backup task, each
// run is recorded, BACKUP_KEEP archives stay in BACKUP_TARGET, Admin →
// Backups shows the last success and /metrics its time.

const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-backups-'))
const env = { BACKUP_TARGET: backupDir, BACKUP_KEEP: '2', BACKUP_SCHEDULE: '* * * * *' }

let web: WebProcess
let worker: AppProcess
let cookie: string

beforeAll(async () => {
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	const admin = await register(web.baseUrl)
	const response = await postForm('/login', { email: admin.email, password: admin.password })
	expect(response.status).toBe(302)
	cookie = response.headers.get('Set-Cookie')!.split(';')[0]!
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	fs.rmSync(backupDir, { recursive: true, force: true })
})

/** A page without JavaScript: a plain form post, as a browser sends it. */
const postForm = (pathname: string, fields: Record<string, string>, withCookie?: string) =>
	api(web.baseUrl, pathname, {
		method: 'POST',
		headers: { Origin: web.baseUrl, ...(withCookie ? { Cookie: withCookie } : {}) },
		body: new URLSearchParams(fields),
	})

const backupsPage = async () =>
	(await api(web.baseUrl, '/admin/backups', { headers: { Cookie: cookie } })).text()

const runs = () => db.select().from(backupRuns).orderBy(desc(backupRuns.startedAt))

/** Archives in the target directory: complete ones only, not a run's file still being written. */
const archives = () =>
	fs
		.readdirSync(backupDir)
		.filter((name) => name.startsWith('darkroom-') && name.endsWith('.tar'))
		.sort()

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const value = await probe()
		if (value !== undefined) return value
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`)
		await new Promise((resolve) => setTimeout(resolve, 250))
	}
}

/** "Back up now" as an admin clicks it, then the run it queued once it has ended. */
async function backUpNow() {
	const before = new Set((await runs()).map((run) => run.id))
	const response = await postForm('/admin/backups', {}, cookie)
	expect(response.status).toBe(302)
	expect(response.headers.get('Location')).toBe('/admin/backups?started=1')
	return waitFor(async () =>
		(await runs()).find(
			(run) => !before.has(run.id) && run.trigger === 'admin' && run.outcome !== 'running',
		),
	)
}

describe('scheduled backups', () => {
	it('Back up now writes an archive; the page shows the run and the last success', async () => {
		const run = await backUpNow()
		expect(run).toMatchObject({ outcome: 'succeeded', target: backupDir, error: null })
		expect(archives()).toContain(run.name)
		expect(fs.statSync(path.join(backupDir, run.name!)).size).toBe(run.bytes)
		expect(run.rows).toBeGreaterThan(0)

		const page = await backupsPage()
		expect(page).not.toContain('No backup has been made yet.')
		expect(page).toContain(run.location!)
		expect(page).toContain('<code>* * * * *</code>')
		const [started] = await db.select().from(auditLog).where(eq(auditLog.action, 'backup.start'))
		expect(started).toBeDefined()
	})

	it('keeps the newest BACKUP_KEEP archives and removes older ones', async () => {
		await backUpNow()
		const last = await backUpNow()
		expect(last.outcome).toBe('succeeded')
		// A scheduled run may be under way: its row is written once it has pruned.
		await waitFor(async () =>
			(await runs()).some((run) => run.outcome === 'running') ? undefined : true,
		)
		const succeeded = (await runs()).filter((run) => run.outcome === 'succeeded')
		expect(succeeded.length).toBeGreaterThanOrEqual(3)
		// The two newest succeeded runs' archives, and nothing older, are left.
		expect(archives()).toEqual(
			succeeded
				.slice(0, 2)
				.map((run) => run.name)
				.sort(),
		)
		expect(last.pruned).toBeGreaterThanOrEqual(1)
	})

	it('records a failed run with its reason, and the page shows it', async () => {
		// The target turns into a file: no archive can be written under it.
		const moved = `${backupDir}.aside`
		fs.renameSync(backupDir, moved)
		fs.writeFileSync(backupDir, 'not a directory')
		try {
			const run = await backUpNow()
			expect(run.outcome).toBe('failed')
			expect(run.error).toBeTruthy()
			expect(run.finishedAt).not.toBeNull()
			const page = await backupsPage()
			expect(page).toContain('data-status="failed"')
		} finally {
			fs.rmSync(backupDir)
			fs.renameSync(moved, backupDir)
		}
	})

	it('/metrics reports when the last successful backup finished', async () => {
		const [last] = await db
			.select()
			.from(backupRuns)
			.where(eq(backupRuns.outcome, 'succeeded'))
			.orderBy(desc(backupRuns.finishedAt))
			.limit(1)
		const text = await (await api(web.baseUrl, '/metrics')).text()
		const value = Number(
			/^darkroom_backup_last_success_timestamp_seconds (\S+)$/m.exec(text)?.[1] ?? NaN,
		)
		expect(value).toBeCloseTo(last!.finishedAt!.getTime() / 1000, 0)
	})

	it('runs on BACKUP_SCHEDULE', async () => {
		// Every minute: graphile-worker's crontab fires at the next minute boundary.
		const run = await waitFor(async () => {
			const [scheduled] = await db
				.select()
				.from(backupRuns)
				.where(and(eq(backupRuns.trigger, 'schedule'), eq(backupRuns.outcome, 'succeeded')))
				// A slow run of the earlier tests may have seen two ticks; the older one's archive
				// may be pruned by now (BACKUP_KEEP).
				.orderBy(desc(backupRuns.finishedAt))
				.limit(1)
			return scheduled
		}, 75_000)
		expect(archives()).toContain(run.name)
		expect(archives()).toHaveLength(2)
	}, 90_000)
})

describe('when a backup is overdue', () => {
	const at = (iso: string) => new Date(iso)

	it('is never, without a schedule, once one backup exists', () => {
		expect(
			backupOverdue({ schedule: undefined, lastSuccessAt: at('2020-01-01T00:00:00Z') }).overdue,
		).toBe(false)
	})

	it('gives a daily run an hour to finish before the previous day’s backup is too old', () => {
		const daily = '0 3 * * *'
		const yesterday = at('2026-12-05T03:10:00Z')
		// 03:30: today's run may still be under way.
		expect(
			backupOverdue({ schedule: daily, lastSuccessAt: yesterday, now: at('2026-12-06T03:30:00Z') }),
		).toMatchObject({ overdue: false, expectedSince: at('2026-12-05T03:00:00Z') })
		// 04:30: it should have finished.
		expect(
			backupOverdue({ schedule: daily, lastSuccessAt: yesterday, now: at('2026-12-06T04:30:00Z') }),
		).toMatchObject({ overdue: true, expectedSince: at('2026-12-06T03:00:00Z') })
		expect(
			backupOverdue({
				schedule: daily,
				lastSuccessAt: at('2026-12-06T03:20:00Z'),
				now: at('2026-12-06T04:30:00Z'),
			}).overdue,
		).toBe(false)
	})

	it('is overdue when a schedule is set and no backup was ever made', () => {
		expect(backupOverdue({ schedule: '0 3 * * *', lastSuccessAt: null }).overdue).toBe(true)
	})
})
