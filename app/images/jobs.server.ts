import { sql } from 'drizzle-orm'
import { config } from '~/config.server'
import type { Tx } from '~/db.server'

// Jobs are added with SQL inside the caller's transaction, so a row and the
// job about it commit or vanish together. The job key collapses repeats
// (a second "process" before the first ran) into one job.

export type TaskName = 'process-image'

export async function enqueueJob(tx: Tx, task: TaskName, imageId: string, requestId?: string) {
	await tx.execute(sql`select graphile_worker.add_job(
		${task},
		json_build_object('imageId', ${imageId}::text, 'requestId', ${requestId ?? null}::text),
		max_attempts := ${config.jobMaxAttempts}::int,
		job_key := ${`${task}:${imageId}`}::text
	)`)
}
