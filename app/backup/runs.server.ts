import { CronExpressionParser } from 'cron-parser'
import { and, desc, eq, ne, sql } from 'drizzle-orm'
import { backupRuns } from '#db/schema'
import type { BackupRunTrigger } from '#db/statuses'
import { config } from '#app/config.server'
import { db, type Tx } from '#app/db.server'
import { addJob } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'
import { createBackup } from './backup.server'
import { deleteBackup, listBackups } from './targets.server'

// Backup runs as the admin page and /metrics see them: each run is a row,
// written when it starts and when it ends, so a failure is as visible as a
// success. Scheduled and admin-started runs are jobs of one queue, so only
// one of them runs at a time across every worker.

const backupLog = log.child({ component: 'backup' })

const BACKUP_QUEUE = 'backup'

/** graphile-worker's crontab line for BACKUP_SCHEDULE; empty without one. */
export function backupCrontab(schedule = config.backup.schedule) {
	// One attempt: a failed run is recorded, and the next scheduled one tries again.
	return schedule ? `${schedule} backup ?max=1&jobKey=backup&queue=${BACKUP_QUEUE}` : ''
}

/**
 * Queues a backup now (Admin → Backups); one already waiting is replaced, not
 * doubled. Its own job key: under the crontab's, a tick while it waits would
 * replace it, and the run would be recorded as the schedule's.
 */
export async function requestBackup(tx: Tx, requestedBy: string) {
	await addJob(
		tx,
		'backup',
		{ trigger: 'admin', requestedBy },
		{ queueName: BACKUP_QUEUE, jobKey: 'backup-admin', maxAttempts: 1 },
	)
}

type BackupSettings = {
	target: string
	/** Archives to keep in the target; undefined leaves older ones alone. */
	keep?: number
	objects: boolean
	onProgress?: (line: string) => void
}

/**
 * Writes one archive into the target and records the run, then removes the
 * oldest archives beyond `keep`. Throws what the backup threw, once recorded.
 */
export async function runRecordedBackup(
	trigger: BackupRunTrigger,
	{ target, keep, objects, onProgress }: BackupSettings = config.backup,
) {
	const [run] = await db
		.insert(backupRuns)
		.values({ trigger, target })
		.returning({ id: backupRuns.id })
	const finish = (values: Partial<typeof backupRuns.$inferInsert>) =>
		db
			.update(backupRuns)
			.set({
				...values,
				finishedAt: sql`now()`,
				durationMs: sql`(extract(epoch from now() - ${backupRuns.startedAt}) * 1000)::int`,
			})
			.where(eq(backupRuns.id, run!.id))
	let result
	try {
		result = await createBackup({ target, objects, onProgress })
	} catch (error) {
		await finish({ outcome: 'failed', error: messageOf(error) })
		backupLog.error({ err: error, trigger, target }, 'Backup failed')
		throw error
	}
	const { pruned, pruneError } =
		keep === undefined ? { pruned: null, pruneError: undefined } : await pruneBackups(target, keep)
	await finish({
		outcome: 'succeeded',
		location: result.location,
		name: result.name,
		bytes: result.bytes,
		rows: result.rows,
		objects: result.objects,
		pruned,
		error: pruneError && `Written, but older archives could not be removed: ${pruneError}`,
	})
	backupLog.info(
		{
			trigger,
			location: result.location,
			bytes: result.bytes,
			durationMs: result.durationMs,
			pruned,
		},
		'Backup written',
	)
	return result
}

/** Keeps the newest `keep` complete archives in the target; a failure is logged and returned, not thrown. */
async function pruneBackups(target: string, keep: number) {
	try {
		const archives = await listBackups(target)
		const old = archives.slice(keep)
		for (const archive of old) await deleteBackup(target, archive.name)
		return { pruned: old.length, pruneError: undefined }
	} catch (error) {
		backupLog.error({ err: error, target, keep }, 'Could not remove old backups')
		return { pruned: null, pruneError: messageOf(error) }
	}
}

/**
 * Runs a worker left `running` when it stopped mid-backup (killed, or the box
 * lost power). Only one queued run executes at a time, so when the next one
 * starts, any other started by a job is over. `npm run backup` runs are the
 * command's own to finish.
 */
export async function markInterruptedRuns() {
	const interrupted = await db
		.update(backupRuns)
		.set({
			outcome: 'failed',
			finishedAt: sql`now()`,
			error: 'Interrupted: the worker stopped during the backup',
		})
		.where(and(eq(backupRuns.outcome, 'running'), ne(backupRuns.trigger, 'command')))
		.returning({ id: backupRuns.id })
	if (interrupted.length > 0) {
		backupLog.warn({ runs: interrupted.map((run) => run.id) }, 'Marked interrupted backups failed')
	}
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Whether the last success is older than the schedule promises: a run due
 * at the latest scheduled time has had `grace` (an hour, or half the gap
 * between runs when they are closer) to finish. Without a schedule, only an
 * instance that never had a backup is flagged.
 */
export function backupOverdue({
	schedule,
	lastSuccessAt,
	now = new Date(),
}: {
	schedule: string | undefined
	lastSuccessAt: Date | null
	now?: Date
}) {
	if (!schedule) return { overdue: false, expectedSince: null }
	const times = CronExpressionParser.parse(schedule, { tz: 'UTC', currentDate: now })
	const latest = times.prev().toDate()
	const before = times.prev().toDate()
	const grace = Math.min(3600_000, (latest.getTime() - before.getTime()) / 2)
	const expectedSince = now.getTime() - latest.getTime() > grace ? latest : before
	return {
		overdue: !lastSuccessAt || lastSuccessAt < expectedSince,
		expectedSince,
	}
}

/** What Admin → Backups shows: the settings, the last success, whether it is overdue, recent runs. */
export async function backupOverview() {
	const [lastSuccess, runs] = await Promise.all([lastSuccessfulBackup(), recentRuns()])
	const { schedule, target, keep, objects } = config.backup
	return {
		schedule: schedule ?? null,
		target,
		keep,
		objects,
		lastSuccess: lastSuccess ?? null,
		...backupOverdue({ schedule, lastSuccessAt: lastSuccess?.finishedAt ?? null }),
		runs,
	}
}

export async function lastSuccessfulBackup() {
	const [row] = await db
		.select()
		.from(backupRuns)
		.where(eq(backupRuns.outcome, 'succeeded'))
		.orderBy(desc(backupRuns.finishedAt))
		.limit(1)
	return row
}

const recentRuns = () => db.select().from(backupRuns).orderBy(desc(backupRuns.startedAt)).limit(20)
