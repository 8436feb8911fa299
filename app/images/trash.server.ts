import { and, count, desc, eq, inArray, isNotNull, isNull, lt, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import { db, type Tx } from '#app/db.server'
import { isUuid } from '#app/validation'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'
import { pageParam, pageSizeParam, type trashItemSchema } from './schemas'
import {
	deleteImageRows,
	liveObjectKeys,
	removeImageObjects,
	storedFields,
	type StoredImage,
} from './delete.server'
import { enqueueJob, removeImageJobs } from './jobs.server'
import { listItemFields } from './present.server'
import { trashKey } from './keys'
import {
	assertMayManage,
	type ImageRow,
	imageNotFound,
	mayManage,
	type Viewer,
	visibleTo,
} from './queries.server'
import { restoreImageRows, trashImageRows } from './state.server'

// Deleting an image moves it to the trash for TRASH_DAYS (decision 015): its
// objects move to trash/<key>, so signed URLs for the old keys stop working
// and every normal read (`notTrashed`) stops seeing it, exactly as the API
// contract's DELETE promises. Restoring moves them back. The objects move
// first and the row changes after, and a failure in either puts back what
// moved: a DELETE that answers 503 has changed nothing.

const DAY_MS = 24 * 60 * 60 * 1000

const trashed = isNotNull(images.deletedAt)

/** When a trashed image is purged by the crontab task. */
export const trashExpiresAt = (deletedAt: Date) =>
	new Date(deletedAt.getTime() + config.trashDays * DAY_MS)

/**
 * The one delete for the API and the pages: to the trash, or (TRASH_DAYS=0)
 * gone at once. All ids must be live images the viewer may change (their own,
 * or as an admin a shared one), else nothing happens and NotFoundError (not
 * visible) or ForbiddenError (someone else's shared image) says so; with
 * `skipMissing` (pages: one may have gone in another tab) the others are
 * deleted. Returns the ids deleted.
 */
export async function deleteImages(
	viewer: Viewer,
	ids: string[],
	{ skipMissing = false } = {},
): Promise<string[]> {
	const rows = await manageableRows(viewer, ids, skipMissing)
	if (rows.length === 0) return []
	if (config.trashDays === 0) {
		const removed = await db.transaction((tx) =>
			deleteImageRows(
				tx,
				rows.map((row) => row.id),
			),
		)
		await removeImageObjects(removed, 'deleted by its owner')
		return removed.map((row) => row.id)
	}
	const moves = rows.flatMap(liveObjectKeys).map((key) => ({ from: key, to: trashKey(key) }))
	await moveAll(moves)
	try {
		return await db.transaction(async (tx) => {
			const moved = await trashImageRows(
				tx,
				rows.map((row) => row.id),
			)
			await removeImageJobs(tx, moved)
			return moved
		})
	} catch (error) {
		await putBack(moves)
		throw error
	}
}

/** The live images among `ids` the viewer may delete (id and name), for the confirmation page. */
export async function liveImageNames(viewer: Viewer, ids: string[]) {
	const valid = [...new Set(ids)].filter(isUuid)
	if (valid.length === 0) return []
	const rows = await db
		.select({ id: images.id, filename: images.filename, userId: images.userId })
		.from(images)
		.where(and(visibleTo(viewer.id), inArray(images.id, valid), isNull(images.deletedAt)))
		.orderBy(images.filename)
	return rows.filter((row) => mayManage(viewer, row)).map(({ id, filename }) => ({ id, filename }))
}

/** Moves the user's trashed images back and queues the stages they had not finished. */
export async function restoreImages(
	userId: string,
	ids: string[],
	{ skipMissing = false } = {},
): Promise<string[]> {
	const rows = await ownedRows(userId, ids, trashed, skipMissing)
	if (rows.length === 0) return []
	const moves = rows.flatMap(liveObjectKeys).map((key) => ({ from: trashKey(key), to: key }))
	await moveAll(moves)
	try {
		return await db.transaction(async (tx) => {
			const restored = await restoreImageRows(
				tx,
				rows.map((row) => row.id),
			)
			for (const image of restored) await requeueUnfinished(tx, image)
			return restored.map((row) => row.id)
		})
	} catch (error) {
		await putBack(moves)
		throw error
	}
}

/** Purges every image in the user's trash now; returns how many. */
export async function emptyTrash(userId: string): Promise<number> {
	return purgeWhere(and(eq(images.userId, userId), trashed)!, 'trash emptied by its owner')
}

/** Crontab: purges images trashed more than TRASH_DAYS ago. */
export async function purgeExpiredTrash(): Promise<{ purged: number }> {
	const cutoff = new Date(Date.now() - config.trashDays * DAY_MS)
	const purged = await purgeWhere(and(trashed, lt(images.deletedAt, cutoff))!, 'trash expired')
	return { purged }
}

export const trashQuerySchema = z.object({ page: pageParam, pageSize: pageSizeParam })

/** A list item (its thumbnail signed at its trash key) with when it was deleted and is purged. */
export async function presentTrashItem(
	image: ImageRow,
	signing: Parameters<typeof listItemFields>[1],
): Promise<z.input<typeof trashItemSchema>> {
	const deletedAt = image.deletedAt ?? new Date()
	return {
		...(await listItemFields(asTrashedRow(image), signing)),
		deletedAt: deletedAt.toISOString(),
		expiresAt: trashExpiresAt(deletedAt).toISOString(),
	}
}

export type TrashItem = z.input<typeof trashItemSchema>

/** One page of the user's trash, most recently deleted first. */
export async function listTrash(
	userId: string,
	{ page, pageSize }: { page: number; pageSize: number },
) {
	const where = and(eq(images.userId, userId), trashed)
	const [rows, [totals]] = await Promise.all([
		db
			.select()
			.from(images)
			.where(where)
			.orderBy(desc(images.deletedAt), desc(images.id))
			.limit(pageSize)
			.offset((page - 1) * pageSize),
		db.select({ total: count() }).from(images).where(where),
	])
	const total = totals?.total ?? 0
	return { rows, page, pageSize, total, totalPages: Math.ceil(total / pageSize) }
}

/** The trashed image row with its objects' keys pointing into the trash (for signing its thumbnail). */
export function asTrashedRow(image: ImageRow): ImageRow {
	const inTrash = <T extends { key: string } | null>(variant: T): T =>
		variant ? { ...variant, key: trashKey(variant.key) } : variant
	return {
		...image,
		originalKey: trashKey(image.originalKey),
		thumbnail: inTrash(image.thumbnail),
		optimized: inTrash(image.optimized),
	}
}

/** The trash is its owner's alone: only they restore from it. */
async function ownedRows(userId: string, ids: string[], state: SQL, skipMissing: boolean) {
	return rowsWhere(
		ids,
		(valid) => and(eq(images.userId, userId), inArray(images.id, valid), state)!,
		skipMissing,
	)
}

/** Live images the viewer may delete; with `skipMissing`, those they may not are left out too. */
async function manageableRows(viewer: Viewer, ids: string[], skipMissing: boolean) {
	const rows = await rowsWhere(
		ids,
		(valid) => and(visibleTo(viewer.id), inArray(images.id, valid), isNull(images.deletedAt))!,
		skipMissing,
	)
	if (skipMissing) return rows.filter((row) => mayManage(viewer, row))
	assertMayManage(viewer, rows)
	return rows
}

async function rowsWhere(ids: string[], where: (valid: string[]) => SQL, skipMissing: boolean) {
	const unique = [...new Set(ids)]
	const valid = unique.filter(isUuid)
	const rows: StoredImage[] =
		valid.length === 0 ? [] : await db.select(storedFields).from(images).where(where(valid))
	// Another user's private image is indistinguishable from a missing one.
	if (!skipMissing && rows.length !== unique.length) throw imageNotFound(unique.length)
	return rows
}

type Move = { from: string; to: string }

/** Moves every object; on the first failure puts back those already moved and throws. */
async function moveAll(moves: Move[]): Promise<void> {
	const done: Move[] = []
	try {
		for (const move of moves) {
			await storage.move(move.from, move.to)
			done.push(move)
		}
	} catch (error) {
		await putBack(done)
		throw error
	}
}

async function putBack(moves: Move[]): Promise<void> {
	for (const { from, to } of moves.toReversed()) {
		await storage.move(to, from).catch((error: unknown) => {
			// Left in the other place; restore or the purge finds it (both keys are tried).
			log.error({ err: error, from: to, to: from }, 'Could not move an object back')
		})
	}
}

/** The trash removed the image's jobs: queue again the stage it had not finished. */
async function requeueUnfinished(
	tx: Tx,
	image: Pick<ImageRow, 'id' | 'status' | 'aiStatus'>,
): Promise<void> {
	if (image.status === 'pending' || image.status === 'processing') {
		await enqueueJob(tx, 'process-image', image.id)
	} else if (
		image.status === 'completed' &&
		(image.aiStatus === 'pending' || image.aiStatus === 'processing')
	) {
		await enqueueJob(tx, 'analyze-image', image.id)
	}
}

/** Purges matching rows in batches (rows in a transaction, then their objects). */
async function purgeWhere(where: SQL, reason: string) {
	let purged = 0
	for (;;) {
		const batch = await db.transaction(async (tx) => {
			const rows = await tx
				.select({ id: images.id })
				.from(images)
				.where(where)
				.limit(config.cleanupBatchSize)
				.for('update', { skipLocked: true })
			return deleteImageRows(
				tx,
				rows.map((row) => row.id),
			)
		})
		// Storage failures land in pending_deletions; the rows are gone either way.
		await removeImageObjects(batch, reason)
		purged += batch.length
		if (batch.length < config.cleanupBatchSize) return purged
	}
}
