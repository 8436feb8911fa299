import { and, isNull, lt, sql } from 'drizzle-orm'
import type { Task } from 'graphile-worker'
import { images } from '#db/schema'
import { db } from '#app/db.server'
import { failStuckAiStages, failStuckImageStages } from '#app/images/state.server'
import type { ImageTaskName } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'

// A stage whose job is gone for good (a worker died on the job's last
// attempt, or the job was removed by hand) would stay "processing" forever.
// Once it has been quiet a while with no live job behind it, it is failed
// with a message that says what to do.

export const STUCK_MESSAGE =
	'Processing was interrupted and will not be retried; process the image again.'

/**
 * Quiet for `quietMinutes`, not in the trash (trashed images have no jobs on
 * purpose; restoring them queues their stages again), and no job left for the
 * stage that can still run: waiting, running, or with attempts left.
 */
const stuckIn = (task: ImageTaskName, quietMinutes: number) =>
	and(
		isNull(images.deletedAt),
		lt(images.updatedAt, sql`now() - make_interval(mins => ${quietMinutes}::int)`),
		sql`not exists (
			select 1 from graphile_worker.jobs j
			where j.key = ${`${task}:`} || ${images.id}::text and j.attempts < j.max_attempts)`,
	)!

export async function failStuckImages({ quietMinutes }: { quietMinutes: number }) {
	const imageStage = await failStuckImageStages(
		db,
		stuckIn('process-image', quietMinutes),
		STUCK_MESSAGE,
	)
	const aiStage = await failStuckAiStages(db, stuckIn('analyze-image', quietMinutes), STUCK_MESSAGE)
	return { imageStage, aiStage }
}

/** Crontab: fails stages left processing with no job that will ever run them. */
export const cleanupStuckImagesTask: Task<'cleanup-stuck-images'> = async (_payload, helpers) => {
	const failed = await failStuckImages({ quietMinutes: 15 })
	const total = failed.imageStage + failed.aiStage
	log[total > 0 ? 'warn' : 'debug'](
		{ task: 'cleanup-stuck-images', jobId: helpers.job.id, ...failed },
		'Stuck stages failed',
	)
}
