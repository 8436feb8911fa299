import type { Task } from 'graphile-worker'
import { config } from '#app/config.server'
import { purgeExpiredTrash } from '#app/images/trash.server'
import { log } from '#app/log.server'

/** Crontab: removes images that have been in the trash longer than TRASH_DAYS. */
export const cleanupTrashTask: Task<'cleanup-trash'> = async (_payload, helpers) => {
	const { purged } = await purgeExpiredTrash()
	// Quiet when there was nothing to do: this runs every hour.
	log[purged > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-trash', jobId: helpers.job.id, trashDays: config.trashDays, purged },
		'Expired trash purged',
	)
}
