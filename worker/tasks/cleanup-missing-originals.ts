import type { Task } from 'graphile-worker'
import { checkOriginals } from '#app/admin/missing-originals.server'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

/** Crontab: marks finished images failed when their original has vanished from storage. */
export const cleanupMissingOriginalsTask: Task = async (_payload, helpers) => {
	const result = await checkOriginals({ batchSize: config.cleanupBatchSize })
	log[result.marked > 0 ? 'warn' : 'debug'](
		{ task: 'cleanup-missing-originals', jobId: helpers.job.id, ...result },
		'Originals checked',
	)
}
