import type { Task } from 'graphile-worker'
import { retryPendingDeletions } from '#app/admin/pending-deletions.server'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

/** Crontab: removes objects a delete left behind when storage failed. */
export const cleanupPendingDeletionsTask: Task = async (_payload, helpers) => {
	const result = await retryPendingDeletions({ batchSize: config.cleanupBatchSize })
	const busy = result.removed + result.failed + result.kept > 0
	// Quiet when there was nothing to do: this runs every few minutes.
	log[busy ? 'info' : 'debug'](
		{ task: 'cleanup-pending-deletions', jobId: helpers.job.id, ...result },
		'Pending deletions retried',
	)
}
