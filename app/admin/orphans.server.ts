import { storage } from '#app/storage/storage.server'
import { existingImageIds, imageIdOfKey } from './ownership.server'

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
