import type { Task } from 'graphile-worker'
import { queueBackfillPage } from '#app/backfill/runs.server'
import { backfillJobPayload } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'

/**
 * Admin → Search index, or `npm run backfill`: queues a run's per-image jobs
 * a page at a time until all are queued or the run is cancelled. Each page is
 * its own transaction, so a restart resumes from the run's cursor.
 */
export const backfillTask: Task<'backfill'> = async (payload, helpers) => {
	const { runId } = backfillJobPayload.parse(payload)
	let pages = 0
	while (await queueBackfillPage(runId)) {
		pages++
		if (helpers.abortSignal?.aborted) {
			// Picked up again by the job's next attempt, from the cursor.
			throw new Error('Worker stopping; the backfill resumes on the next attempt')
		}
	}
	log.info({ task: 'backfill', runId, pages: pages + 1 }, 'Backfill queued its image jobs')
}
