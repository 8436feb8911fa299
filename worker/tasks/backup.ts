import type { Task } from 'graphile-worker'
import { markInterruptedRuns, runRecordedBackup } from '#app/backup/runs.server'
import { backupJobPayload } from '#app/jobs/tasks.server'

/** BACKUP_SCHEDULE, or Admin → Backups: one archive into BACKUP_TARGET, then keep BACKUP_KEEP. */
export const backupTask: Task<'backup'> = async (payload) => {
	const { trigger } = backupJobPayload.parse(payload)
	await markInterruptedRuns()
	await runRecordedBackup(trigger ?? 'schedule')
}
