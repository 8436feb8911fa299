import type { Task } from 'graphile-worker'
import { sweepRetention } from '#app/admin/retention.server'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

/** Crontab: deletes images older than RETENTION_DAYS (off when it is unset). */
export const cleanupRetentionTask: Task<'cleanup-retention'> = async (_payload, helpers) => {
	const olderThanDays = config.retentionDays
	if (olderThanDays === undefined) return
	const { removed } = await sweepRetention({ olderThanDays, batchSize: config.cleanupBatchSize })
	log[removed > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-retention', jobId: helpers.job.id, olderThanDays, removed },
		'Retention sweep done',
	)
}
