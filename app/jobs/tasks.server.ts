import { type SQL, sql } from 'drizzle-orm'
import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Tx } from '#app/db.server'

// Every graphile-worker task by name, with the payload its jobs carry. The
// names type the jobs app code adds (addJob), the worker's task lists and its
// crontab (worker/); the schemas check payloads again when a job runs.

/** Image jobs (app/images/jobs.server.ts): the image, the request that caused it (for logs) and its trace context. */
export const imageJobPayload = z.object({
	imageId: z.uuid(),
	requestId: z.string().nullish(),
	traceparent: z.string().nullish(),
})

/** Added by the database with each webhook event (enqueue_webhook_delivery, migration 0016). */
export const deliveryJobPayload = z.object({ deliveryId: z.uuid() })

/** A backup an admin asked for; crontab runs carry only `_cron`. */
export const backupJobPayload = z.object({
	trigger: z.literal('admin').optional(),
	requestedBy: z.uuid().optional(),
})

/** A backfill run (app/backfill/runs.server.ts) whose image jobs are to be queued. */
export const backfillJobPayload = z.object({ runId: z.uuid() })

/** Crontab jobs carry graphile-worker's `_cron` (when the run was due), nothing of ours. */
type CronPayload = { _cron?: { ts: string; backfilled?: boolean } }

declare global {
	// eslint-disable-next-line @typescript-eslint/no-namespace -- graphile-worker's own augmentation point
	namespace GraphileWorker {
		interface Tasks {
			'process-image': z.input<typeof imageJobPayload>
			'analyze-image': z.input<typeof imageJobPayload>
			'hash-image': z.input<typeof imageJobPayload>
			'embed-image': z.input<typeof imageJobPayload>
			'deliver-webhook': z.input<typeof deliveryJobPayload>
			'cleanup-pending-deletions': CronPayload
			'cleanup-retention': CronPayload
			'cleanup-orphans': CronPayload
			'cleanup-missing-originals': CronPayload
			'cleanup-expired-rows': CronPayload
			'cleanup-stuck-images': CronPayload
			'cleanup-trash': CronPayload
			'cleanup-renditions': CronPayload
			backup: z.input<typeof backupJobPayload> & CronPayload
			backfill: z.input<typeof backfillJobPayload>
		}
	}
}

export type TaskName = keyof GraphileWorker.Tasks
export type ImageTaskName = 'process-image' | 'analyze-image'
/**
 * Tasks whose jobs carry imageJobPayload but are not an upload's stages
 * (so they stay out of ImageTaskName and its fair-share bookkeeping):
 * hash-image (a backfill adds it for images older than perceptual hashes)
 * and embed-image (queued by app/search when the AI stage completes).
 */
export type ImagePayloadTaskName = ImageTaskName | 'hash-image' | 'embed-image'
export type CleanupTaskName = Extract<TaskName, `cleanup-${string}`>
/** The tasks of the worker's maintenance runner, which alone reads the crontab. */
export type MaintenanceTaskName = CleanupTaskName | 'backup' | 'backfill'

/** A handler for each task, each typed by its own payload. */
export type TaskHandlers = { [Name in TaskName]: Task<Name> }

export type JobOptions = {
	/** Jobs of one named queue run one at a time, across every worker. */
	queueName?: string
	maxAttempts?: number
	/** A second job with the same key replaces the first while it waits. */
	jobKey?: string
	/** Lower runs first; SQL when the database works it out. */
	priority?: number | SQL
}

/**
 * Adds a job with SQL inside the caller's transaction, so a row and the job
 * about it commit or vanish together. Options left out take
 * graphile-worker's defaults (its add_job treats null as not given).
 */
export async function addJob<Name extends TaskName>(
	tx: Tx,
	task: Name,
	payload: GraphileWorker.Tasks[Name],
	{ queueName, maxAttempts, jobKey, priority }: JobOptions = {},
) {
	await tx.execute(sql`select graphile_worker.add_job(
		${task}::text,
		${JSON.stringify(payload)}::json,
		queue_name := ${queueName ?? null}::text,
		max_attempts := ${maxAttempts ?? null}::int,
		job_key := ${jobKey ?? null}::text,
		priority := ${priority ?? null}::int
	)`)
}
