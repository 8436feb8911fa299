import { createHash } from 'node:crypto'
import { type SQL, sql } from 'drizzle-orm'
import { config } from '#app/config.server'
import type { Tx } from '#app/db.server'
import { addJob, type ImagePayloadTaskName, type ImageTaskName } from '#app/jobs/tasks.server'
import { currentTraceparent } from '#app/tracing.server'

// An image's jobs, added inside the caller's transaction (addJob). The job
// key collapses repeats (a second "process" before the first ran) into one job.

/** At most one job per image and task (the search embedding's too); graphile-worker's job_key. */
export const imageJobKey = (task: ImagePayloadTaskName, imageId: string) => `${task}:${imageId}`

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
const waitingFor: Record<ImageTaskName, SQL> = {
	'process-image': sql`w.overall_status = 'pending'`,
	// An image stage done and the AI stage to come: overall "processing".
	'analyze-image': sql`w.overall_status = 'processing' and w.status = 'completed' and w.ai_status = 'pending'`,
}

/** graphile-worker stores priority as a smallint. */
const MAX_PRIORITY = 32767

export async function enqueueJob(
	tx: Tx,
	task: ImageTaskName,
	imageId: string,
	requestId?: string,
	/** The image's owner, when the caller knows it: the row need not be read (or written yet). */
	ownerId?: string,
) {
	const owner = ownerId
		? sql`${ownerId}::uuid`
		: sql`(select user_id from images where id = ${imageId}::uuid)`
	const priority = sql`(
		select least(count(*), ${MAX_PRIORITY}::int)::int from images w
		where w.user_id = ${owner}
		and w.id <> ${imageId}::uuid and w.deleted_at is null and ${waitingFor[task]})`
	const payload = { imageId, requestId: requestId ?? null, traceparent: currentTraceparent() }
	await addJob(tx, task, payload, {
		queueName: task === 'analyze-image' ? aiQueueFor(imageId) : undefined,
		// Transient AI failures are retried inside the task by the OpenAI SDK.
		maxAttempts: task === 'analyze-image' ? 3 : config.jobMaxAttempts,
		jobKey: imageJobKey(task, imageId),
		priority,
	})
}

/** Removes the waiting jobs of these images (deleted or trashed), in the caller's transaction. */
export async function removeImageJobs(tx: Tx, imageIds: string[]) {
	if (imageIds.length === 0) return
	const keys = imageIds.flatMap((id) => [
		imageJobKey('process-image', id),
		imageJobKey('analyze-image', id),
		imageJobKey('embed-image', id),
	])
	const list = sql.join(
		keys.map((key) => sql`${key}`),
		sql`, `,
	)
	await tx.execute(sql`select graphile_worker.remove_job(k) from unnest(array[${list}]::text[]) k`)
}
