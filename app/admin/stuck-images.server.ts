import { sql } from 'drizzle-orm'
import { db } from '#app/db.server'

// A stage whose job is gone for good (a worker died on the job's last
// attempt, or the job was removed by hand) would stay "processing" forever.
// Once it has been quiet a while with no live job behind it, it is failed
// with a message that says what to do.

export const STUCK_MESSAGE =
	'Processing was interrupted and will not be retried; process the image again.'

/** A job that can still run: waiting, running, or with attempts left. */
const liveJob = (task: string) => sql`exists (
	select 1 from graphile_worker.jobs j
	where j.key = ${`${task}:`} || images.id::text and j.attempts < j.max_attempts)`

export async function failStuckImages({ quietMinutes }: { quietMinutes: number }) {
	// Trashed images have no jobs on purpose; restoring them queues their stages again.
	const quiet = sql`images.deleted_at is null and images.updated_at < now() - make_interval(mins => ${quietMinutes}::int)`
	const imageStage = await db.execute<{ id: string }>(sql`
		update images set status = 'failed', error = ${STUCK_MESSAGE}, updated_at = now()
		where status in ('pending', 'processing') and ${quiet} and not ${liveJob('process-image')}
		returning id`)
	const aiStage = await db.execute<{ id: string }>(sql`
		update images set ai_status = 'failed', ai_error = ${STUCK_MESSAGE}, updated_at = now()
		where status = 'completed' and ai_status in ('pending', 'processing') and ${quiet}
			and not ${liveJob('analyze-image')}
		returning id`)
	return { imageStage: imageStage.length, aiStage: aiStage.length }
}
