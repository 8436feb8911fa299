import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { config } from '~/config.server'
import type { Tx } from '~/db.server'
import { currentTraceparent } from '~/tracing.server'

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

export async function enqueueJob(tx: Tx, task: TaskName, imageId: string, requestId?: string) {
	const queue = task === 'analyze-image' ? aiQueueFor(imageId) : null
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
		job_key := ${`${task}:${imageId}`}::text
	)`)
}
