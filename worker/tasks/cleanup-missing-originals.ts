import { and, asc, gt, inArray, isNull, sql } from 'drizzle-orm'
import type { Task } from 'graphile-worker'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { failFinishedImages, MISSING_ORIGINAL } from '#app/images/state.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'

// Finished images whose original has vanished from storage (removed by hand,
// a bucket lifecycle rule, a restore from an older backup) are marked failed,
// so the UI and API say so instead of serving broken links.

/** HEAD requests in flight at once. */
const CONCURRENCY = 8
const FINISHED = ['completed', 'failed'] as const

// Each run checks the next batch in id order and wraps around at the end, so
// the row checked longest ago goes first. Kept in memory: a restart starts
// again from the lowest id, which costs a few extra checks, nothing more.
let cursor: string | undefined

export async function checkOriginals({ batchSize }: { batchSize: number }) {
	const rows = await db
		.select({ id: images.id, originalKey: images.originalKey })
		.from(images)
		.where(
			and(
				inArray(images.status, FINISHED),
				// A trashed image's original sits under trash/.
				isNull(images.deletedAt),
				// Already marked: nothing left to find out.
				sql`(${images.status} <> 'failed' or ${images.error} is distinct from ${MISSING_ORIGINAL})`,
				cursor === undefined ? undefined : gt(images.id, cursor),
			),
		)
		.orderBy(asc(images.id))
		.limit(batchSize)
	cursor = rows.length < batchSize ? undefined : rows.at(-1)!.id
	// A storage outage throws here, before anything is marked.
	const missing = await filterConcurrently(
		rows,
		async (row) => !(await storage.exists(row.originalKey)),
	)
	if (missing.length === 0) return { checked: rows.length, marked: 0 }
	// Only finished ones: an image being reprocessed meanwhile is left to its job.
	const marked = await failFinishedImages(
		db,
		missing.map((row) => row.id),
		MISSING_ORIGINAL,
	)
	return { checked: rows.length, marked }
}

async function filterConcurrently<T>(items: T[], test: (item: T) => Promise<boolean>) {
	const keep: boolean[] = []
	let next = 0
	const lane = async () => {
		while (next < items.length) {
			const index = next++
			keep[index] = await test(items[index]!)
		}
	}
	await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane))
	return items.filter((_, index) => keep[index])
}

/** Crontab: marks finished images failed when their original has vanished from storage. */
export const cleanupMissingOriginalsTask: Task<'cleanup-missing-originals'> = async (
	_payload,
	helpers,
) => {
	const result = await checkOriginals({ batchSize: config.cleanupBatchSize })
	log[result.marked > 0 ? 'warn' : 'debug'](
		{ task: 'cleanup-missing-originals', jobId: helpers.job.id, ...result },
		'Originals checked',
	)
}
