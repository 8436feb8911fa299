import { asc, gt, inArray, sql } from 'drizzle-orm'
import type { Task } from 'graphile-worker'
import { pendingDeletions } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { describeError } from '#app/images/delete.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { existingImageIds, imageIdOfKey } from '#worker/ownership'

// Objects whose removal failed (storage down during a delete) are retried
// here; a row goes once its object is gone.

export type PendingResult = { removed: number; failed: number; kept: number }

/** One pass over pending_deletions in key order; stops early while storage is down. */
export async function retryPendingDeletions({ batchSize }: { batchSize: number }) {
	const result: PendingResult = { removed: 0, failed: 0, kept: 0 }
	let after: string | undefined
	for (;;) {
		const rows = await db
			.select({ key: pendingDeletions.key })
			.from(pendingDeletions)
			.where(after === undefined ? undefined : gt(pendingDeletions.key, after))
			.orderBy(asc(pendingDeletions.key))
			.limit(batchSize)
		if (rows.length === 0) return result
		after = rows.at(-1)!.key
		const outcome = await retryBatch(rows.map((row) => row.key))
		result.removed += outcome.removed
		result.failed += outcome.failed
		result.kept += outcome.kept
		if (outcome.storageDown || rows.length < batchSize) return result
	}
}

async function retryBatch(keys: string[]) {
	// Never delete what an existing row points at (keys derive from ids, so
	// this should not happen; if it does, the object wins over the queue).
	const ids = keys.map(imageIdOfKey).filter((id): id is string => id !== null)
	const live = await existingImageIds(ids)
	const belongs = (key: string) => live.has(imageIdOfKey(key) ?? '')
	const kept = keys.filter(belongs)
	if (kept.length > 0) {
		log.warn({ keys: kept }, 'Pending deletions belong to existing images; dropped, not deleted')
		await forget(kept)
	}
	const doomed = keys.filter((key) => !belongs(key))
	try {
		await storage.delete(doomed)
		await forget(doomed)
		return { removed: doomed.length, failed: 0, kept: kept.length, storageDown: false }
	} catch (error) {
		// One bad key must not hold back the rest: when storage answers, go key by key.
		const up = await storage.check().then(
			() => true,
			() => false,
		)
		if (!up) {
			await recordFailure(doomed, error)
			return { removed: 0, failed: doomed.length, kept: kept.length, storageDown: true }
		}
		const removed = await retryOneByOne(doomed)
		return { removed, failed: doomed.length - removed, kept: kept.length, storageDown: false }
	}
}

async function retryOneByOne(keys: string[]): Promise<number> {
	let removed = 0
	for (const key of keys) {
		try {
			await storage.delete([key])
			await forget([key])
			removed++
		} catch (error) {
			await recordFailure([key], error)
		}
	}
	return removed
}

const forget = async (keys: string[]) => {
	if (keys.length > 0) await db.delete(pendingDeletions).where(inArray(pendingDeletions.key, keys))
}

async function recordFailure(keys: string[], error: unknown) {
	if (keys.length === 0) return
	await db
		.update(pendingDeletions)
		.set({ attempts: sql`${pendingDeletions.attempts} + 1`, lastError: describeError(error) })
		.where(inArray(pendingDeletions.key, keys))
}

/** Crontab: removes objects a delete left behind when storage failed. */
export const cleanupPendingDeletionsTask: Task<'cleanup-pending-deletions'> = async (
	_payload,
	helpers,
) => {
	const result = await retryPendingDeletions({ batchSize: config.cleanupBatchSize })
	const busy = result.removed + result.failed + result.kept > 0
	// Quiet when there was nothing to do: this runs every few minutes.
	log[busy ? 'info' : 'debug'](
		{ task: 'cleanup-pending-deletions', jobId: helpers.job.id, ...result },
		'Pending deletions retried',
	)
}
