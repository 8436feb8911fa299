import { backupCrontab } from '#app/backup/runs.server'
import type { CleanupTaskName, MaintenanceTaskName, TaskHandlers } from '#app/jobs/tasks.server'
import { backfillTask } from './tasks/backfill'
import { backupTask } from './tasks/backup'
import { cleanupExpiredRowsTask } from './tasks/cleanup-expired-rows'
import { cleanupMissingOriginalsTask } from './tasks/cleanup-missing-originals'
import { cleanupOrphansTask } from './tasks/cleanup-orphans'
import { cleanupPendingDeletionsTask } from './tasks/cleanup-pending-deletions'
import { cleanupRenditionsTask } from './tasks/cleanup-renditions'
import { cleanupRetentionTask } from './tasks/cleanup-retention'
import { cleanupStuckImagesTask } from './tasks/cleanup-stuck-images'
import { cleanupTrashTask } from './tasks/cleanup-trash'

// Maintenance tasks and their schedule (graphile-worker crontab syntax). Run
// by their own runner, so a long sweep never takes a slot from thumbnails.
export const maintenanceTasks: Pick<TaskHandlers, MaintenanceTaskName> = {
	'cleanup-pending-deletions': cleanupPendingDeletionsTask,
	'cleanup-retention': cleanupRetentionTask,
	'cleanup-orphans': cleanupOrphansTask,
	'cleanup-missing-originals': cleanupMissingOriginalsTask,
	'cleanup-expired-rows': cleanupExpiredRowsTask,
	'cleanup-stuck-images': cleanupStuckImagesTask,
	'cleanup-trash': cleanupTrashTask,
	'cleanup-renditions': cleanupRenditionsTask,
	// Long, but rare: the cleanups wait for it and catch up.
	backup: backupTask,
	// Queues pages of per-image jobs, which other runners do.
	backfill: backfillTask,
}

// Every task is idempotent and the next run catches up, so: no ?fill (a
// stopped worker need not replay missed runs), few attempts, and a jobKey so a
// failing run (storage down) is replaced by the next one instead of piling up.
// Minutes are staggered: one maintenance slot runs them one after another.
const schedule = (times: string, task: CleanupTaskName) => `${times} ${task} ?max=3&jobKey=${task}`

export const crontab = [
	// Storage may be back any minute; objects of deleted images should not linger.
	schedule('*/5 * * * *', 'cleanup-pending-deletions'),
	schedule('2,17,32,47 * * * *', 'cleanup-retention'),
	schedule('4,19,34,49 * * * *', 'cleanup-expired-rows'),
	// One batch of HEAD requests a run: cheap, and every image comes round in turn.
	schedule('1,11,21,31,41,51 * * * *', 'cleanup-missing-originals'),
	// Lists the whole images/ prefix; orphans must be ORPHAN_MIN_AGE_MINUTES old anyway.
	schedule('43 * * * *', 'cleanup-orphans'),
	// A worker that died on a job's last attempt leaves its stage processing.
	schedule('3,18,33,48 * * * *', 'cleanup-stuck-images'),
	// Trash expiry is counted in days: hourly is soon enough.
	schedule('27 * * * *', 'cleanup-trash'),
	// Eviction works in days and a byte budget: hourly keeps both.
	schedule('37 * * * *', 'cleanup-renditions'),
	backupCrontab(),
]
	.filter(Boolean)
	.join('\n')
