import { inArray, sql } from 'drizzle-orm'
import { images, pendingDeletions } from '#db/schema'
import { db, type Tx } from '#app/db.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { removeImageJobs } from './jobs.server'
import { trashKey, variantKey } from './keys'
import type { ImageRow } from './queries.server'

// One removal path for the trash purge, TRASH_DAYS=0, retention and the admin
// sweep: rows (and their jobs) go in a transaction, then the objects. Storage failing at that
// point does not undo anything: the keys are recorded in pending_deletions and
// the cleanup task retries them.

export type StoredImage = Pick<
	ImageRow,
	'id' | 'userId' | 'originalKey' | 'thumbnail' | 'optimized' | 'deletedAt'
>

/** The columns that say which stored objects are an image's (StoredImage). */
export const storedFields = {
	id: images.id,
	userId: images.userId,
	originalKey: images.originalKey,
	thumbnail: images.thumbnail,
	optimized: images.optimized,
	deletedAt: images.deletedAt,
}

/** Deletes rows and their queued jobs in the caller's transaction; returns the rows that existed. */
export async function deleteImageRows(tx: Tx, ids: string[]): Promise<StoredImage[]> {
	if (ids.length === 0) return []
	const removed = await tx.delete(images).where(inArray(images.id, ids)).returning(storedFields)
	await removeImageJobs(
		tx,
		removed.map((row) => row.id),
	)
	return removed
}

/** Every key an image may have in storage, its trash keys too once it was trashed. */
export function imageObjectKeys(image: StoredImage): string[] {
	const keys = liveObjectKeys(image)
	return image.deletedAt ? [...keys, ...keys.map(trashKey)] : keys
}

/** The keys an image's objects have outside the trash. */
export function liveObjectKeys(image: StoredImage): string[] {
	const keys = [image.originalKey, image.thumbnail?.key, image.optimized?.key].filter(
		(key): key is string => Boolean(key),
	)
	// Variant keys are deterministic: a job that was mid-run may have written them.
	keys.push(
		variantKey(image.userId, image.id, 'thumbnail'),
		variantKey(image.userId, image.id, 'optimized'),
	)
	return [...new Set(keys)]
}

/**
 * Removes the objects of deleted rows. Never throws: when storage fails the
 * keys are queued in pending_deletions (the rows are already gone).
 */
export async function removeImageObjects(removed: StoredImage[], reason: string): Promise<void> {
	const keys = removed.flatMap(imageObjectKeys)
	if (keys.length === 0) return
	try {
		await storage.delete(keys)
	} catch (error) {
		await recordPendingDeletions(keys, reason, error)
	}
}

/** Postgres allows 65535 parameters a statement; four per row stays well below. */
const INSERT_CHUNK = 1000

async function recordPendingDeletions(keys: string[], reason: string, error: unknown) {
	const lastError = describeError(error)
	try {
		for (let start = 0; start < keys.length; start += INSERT_CHUNK) {
			const rows = keys
				.slice(start, start + INSERT_CHUNK)
				.map((key) => ({ key, reason, attempts: 1, lastError }))
			await db
				.insert(pendingDeletions)
				.values(rows)
				.onConflictDoUpdate({
					target: pendingDeletions.key,
					set: { attempts: sql`${pendingDeletions.attempts} + 1`, lastError },
				})
		}
		log.warn(
			{ err: error, keys: keys.length, reason },
			'Objects queued for deletion: storage failed',
		)
	} catch (dbError) {
		// Still not lost: their rows are gone, so the orphan sweep removes them.
		log.error({ err: dbError, cause: error, keys }, 'Could not queue the objects of deleted images')
	}
}

/** The message and its cause's, for last_error (an operator reads it, a client never does). */
export function describeError(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error)
	const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : ''
	return (cause ? `${message} ${cause}` : message).slice(0, 1000)
}
