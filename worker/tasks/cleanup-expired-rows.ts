import type { Task } from 'graphile-worker'
import { deleteExpiredRows } from '#app/admin/expired-rows.server'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

/** Crontab: drops expired sessions, idempotency keys and rate-limit windows. */
export const cleanupExpiredRowsTask: Task = async (_payload, helpers) => {
	const removed = await deleteExpiredRows({ batchSize: config.cleanupBatchSize })
	const total = removed.sessions + removed.idempotencyKeys + removed.rateLimits
	log[total > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-expired-rows', jobId: helpers.job.id, ...removed },
		'Expired rows removed',
	)
}
