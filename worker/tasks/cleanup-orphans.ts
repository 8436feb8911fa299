import type { Task } from 'graphile-worker'
import { sweepOrphans } from '#app/admin/orphans.server'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

/** Crontab: removes objects under images/ older than ORPHAN_MIN_AGE_MINUTES that no row owns. */
export const cleanupOrphansTask: Task = async (_payload, helpers) => {
	const olderThan = new Date(Date.now() - config.orphanMinAgeMinutes * 60_000)
	const result = await sweepOrphans({ olderThan, batchSize: config.cleanupBatchSize })
	// Unrecognized: objects under images/ that are not image keys, left alone.
	log[result.removed + result.unrecognized > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-orphans', jobId: helpers.job.id, ...result },
		'Orphaned objects swept',
	)
}
