import type { Task } from 'graphile-worker'
import { config } from '#app/config.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { existingImageIds, imageIdOfKey } from '#worker/ownership'

// Objects under images/ whose image row does not exist: left by a crash
// between put and insert, a job finishing after its image was deleted, or a
// delete whose pending_deletions insert failed too. Young objects are kept:
// an upload in flight stores its original before its row commits.

export type OrphanOptions = { olderThan: Date; batchSize: number }

export async function sweepOrphans({ olderThan, batchSize }: OrphanOptions) {
	const result = { scanned: 0, removed: 0, unrecognized: 0 }
	let batch: string[] = []
	for await (const object of storage.list('images/')) {
		result.scanned++
		if (object.lastModified >= olderThan) continue
		if (!imageIdOfKey(object.key)) {
			// Not a key Darkroom makes; someone else's object is left alone.
			result.unrecognized++
			continue
		}
		batch.push(object.key)
		if (batch.length >= batchSize) {
			result.removed += await removeOrphans(batch)
			batch = []
		}
	}
	result.removed += await removeOrphans(batch)
	return result
}

/** Deletes the keys whose image row does not exist; returns how many. */
async function removeOrphans(keys: string[]): Promise<number> {
	if (keys.length === 0) return 0
	const live = await existingImageIds(keys.map((key) => imageIdOfKey(key)!))
	const orphans = keys.filter((key) => !live.has(imageIdOfKey(key)!))
	if (orphans.length > 0) await storage.delete(orphans)
	return orphans.length
}

/** Crontab: removes objects under images/ older than ORPHAN_MIN_AGE_MINUTES that no row owns. */
export const cleanupOrphansTask: Task<'cleanup-orphans'> = async (_payload, helpers) => {
	const olderThan = new Date(Date.now() - config.orphanMinAgeMinutes * 60_000)
	const result = await sweepOrphans({ olderThan, batchSize: config.cleanupBatchSize })
	// Unrecognized: objects under images/ that are not image keys, left alone.
	log[result.removed + result.unrecognized > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-orphans', jobId: helpers.job.id, ...result },
		'Orphaned objects swept',
	)
}
