import type { Task } from 'graphile-worker'
import { failStuckImages } from '#app/admin/stuck-images.server'
import { log } from '#app/log.server'

/** Crontab: fails stages left processing with no job that will ever run them. */
export const cleanupStuckImagesTask: Task = async (_payload, helpers) => {
	const failed = await failStuckImages({ quietMinutes: 15 })
	const total = failed.imageStage + failed.aiStage
	log[total > 0 ? 'warn' : 'debug'](
		{ task: 'cleanup-stuck-images', jobId: helpers.job.id, ...failed },
		'Stuck stages failed',
	)
}
