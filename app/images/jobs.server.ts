import { createHash } from 'node:crypto'
import { type SQL, sql } from 'drizzle-orm'
import { config } from '#app/config.server'
import type { Tx } from '#app/db.server'
import { currentTraceparent } from '#app/tracing.server'

// Jobs are added with SQL inside the caller's transaction, so a row and the
// job about it commit or vanish together. The job key collapses repeats
// (a second "process" before the first ran) into one job.

export type TaskName = 'process-image' | 'analyze-image'

/**
 * AI jobs go to one of AI_CONCURRENCY named queues. graphile-worker runs a
 * named queue's jobs one at a time across every worker process, so this caps
 * concurrent AI calls globally, however many workers run.
 */
export function aiQueueFor(imageId: string) {
	const slot = createHash('sha1').update(imageId).digest().readUInt32BE(0) % config.ai.concurrency
	return `ai-${slot}`
}

/**
 * Fair share of the worker: a job's priority (lower runs first) is how many of
 * its user's images already wait for the same task, so every user's k-th
 * waiting job runs before anyone's (k+1)-th, and one user's backlog delays
 * another user's fresh upload by the jobs already running, not by the backlog.
 * Counted from the images table on its (user_id, overall_status) index, not by
 * scanning graphile's jobs. Two enqueues of one user racing in separate
 * transactions may get the same number: a tie, broken by run_at.
 * See docs/decisions/013-fair-share-and-upload-admission.md.
 */
const waitingFor: Record<TaskName, SQL> = {
	'process-image': sql`w.overall_status = 'pending'`,
	// An image stage done and the AI stage to come: overall "processing".
	'analyze-image': sql`w.overall_status = 'processing' and w.status = 'completed' and w.ai_status = 'pending'`,
}

/** graphile-worker stores priority as a smallint. */
const MAX_PRIORITY = 32767

export async function enqueueJob(tx: Tx, task: TaskName, imageId: string, requestId?: string) {
	const queue = task === 'analyze-image' ? aiQueueFor(imageId) : null
	const priority = sql`(
		select least(count(*), ${MAX_PRIORITY}::int)::int from images w
		where w.user_id = (select user_id from images where id = ${imageId}::uuid)
		and w.id <> ${imageId}::uuid and w.deleted_at is null and ${waitingFor[task]})`
	// Transient AI failures are retried inside the task by the OpenAI SDK.
	const maxAttempts = task === 'analyze-image' ? 3 : config.jobMaxAttempts
	await tx.execute(sql`select graphile_worker.add_job(
		${task},
		json_build_object(
			'imageId', ${imageId}::text,
			'requestId', ${requestId ?? null}::text,
			'traceparent', ${currentTraceparent()}::text
		),
		queue_name := ${queue}::text,
		max_attempts := ${maxAttempts}::int,
		job_key := ${`${task}:${imageId}`}::text,
		priority := ${priority}
	)`)
}
