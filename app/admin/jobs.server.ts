import { sql } from 'drizzle-orm'
import { db } from '#app/db.server'
import { NotFoundError } from '#app/errors'
import { retryAiStage, retryImageStage } from '#app/images/state.server'

// What an operator needs to see of the queue, read from graphile-worker's
// own tables (its public `jobs` view), and a retry for a job that gave up.

type JobRow = {
	id: string
	task: string
	queue: string | null
	imageId: string | null
	/** The image's file name, when the job is about one that still exists… */
	filename: string | null
	/** …and whether it is the viewer's own, which they can open (others' are private). */
	ownImage: boolean
	attempts: number
	maxAttempts: number
	lastError: string | null
	runAt: Date
	lockedAt: Date | null
	lockedBy: string | null
	createdAt: Date
}

// The public view has no payload; the image id comes from the private table.
const jobColumns = sql`j.id::text, j.task_identifier as task, j.queue_name as queue,
	p.payload->>'imageId' as "imageId", j.attempts, j.max_attempts as "maxAttempts",
	j.last_error as "lastError", j.run_at as "runAt", j.locked_at as "lockedAt",
	j.locked_by as "lockedBy", j.created_at as "createdAt"`
const jobsWithPayload = sql`graphile_worker.jobs j join graphile_worker._private_jobs p on p.id = j.id`

/** The job's image (by its payload's id, when that is a uuid at all), seen by `viewerId`. */
const jobImage = (viewerId: string) => sql`left join lateral (
		select i.filename, i.user_id = ${viewerId} as "ownImage" from images i
		where i.id = case when p.payload->>'imageId' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
			then (p.payload->>'imageId')::uuid end
	) i on true`

export async function queueOverview(viewerId: string) {
	const columns = sql`${jobColumns}, i.filename, coalesce(i."ownImage", false) as "ownImage"`
	const [depth, running, failed] = await Promise.all([
		db.execute<{ task: string; waiting: number; oldestSeconds: number | null }>(sql`
			select task_identifier as task, count(*)::int as waiting,
				extract(epoch from now() - min(run_at))::float as "oldestSeconds"
			from graphile_worker.jobs
			where locked_at is null and run_at <= now() and attempts < max_attempts
			group by task_identifier order by task_identifier`),
		db.execute<JobRow>(sql`select ${columns} from ${jobsWithPayload} ${jobImage(viewerId)}
			where j.locked_at is not null order by j.locked_at limit 100`),
		db.execute<JobRow>(sql`select ${columns} from ${jobsWithPayload} ${jobImage(viewerId)}
			where j.attempts >= j.max_attempts order by j.updated_at desc limit 100`),
	])
	return { depth: [...depth], running: [...running], failed: [...failed] }
}

/**
 * Runs a job that gave up once more, now. An image job also puts its stage
 * back to pending, since the task only claims pending or processing images.
 */
export async function retryJob(jobId: string) {
	await db.transaction(async (tx) => {
		const [job] = await tx.execute<{ task: string; imageId: string | null }>(sql`
			select j.task_identifier as task, p.payload->>'imageId' as "imageId"
			from ${jobsWithPayload} where j.id = ${jobId}::bigint and j.attempts >= j.max_attempts`)
		if (!job) throw new NotFoundError('No failed job with this id.')
		if (job.imageId && job.task === 'process-image') await retryImageStage(tx, job.imageId)
		if (job.imageId && job.task === 'analyze-image') await retryAiStage(tx, job.imageId)
		await tx.execute(
			sql`select graphile_worker.reschedule_jobs(array[${jobId}::bigint], run_at := now(), attempts := 0)`,
		)
	})
}
