import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm'
import { albumImages, albums, images } from '#db/schema'
import { type Db, db, type Tx } from '#app/db.server'
import { NotFoundError, ValidationError } from '#app/errors'
import { imageNotFound, notTrashed } from '#app/images/queries.server'
import { isUuid } from '#app/validation'
import type { AlbumDetailView, AlbumView } from './schemas'

// A user's albums: ordered sets of their own images. This module owns every
// change to albums and album_images (each one touches the album's updatedAt
// here, in `touch`). Trashed images stay in their albums, hidden, and come
// back in their place when restored; deleting an album keeps its images.

export type AlbumRow = typeof albums.$inferSelect

/** An image as album pages show it. */
export type AlbumImage = {
	id: string
	filename: string
	version: number
	width: number
	height: number
	position: number
	addedAt: Date
}

export const albumNotFound = () => new NotFoundError('No album with this id.')

/** What a page needs to show an image through its renditions. */
export const shownImageColumns = {
	id: images.id,
	filename: images.filename,
	version: images.version,
	width: images.width,
	height: images.height,
}

/** The album's images, in order, without trashed ones. */
export function listAlbumImages(albumId: string, executor: Db | Tx = db): Promise<AlbumImage[]> {
	return executor
		.select({
			...shownImageColumns,
			position: albumImages.position,
			addedAt: albumImages.addedAt,
		})
		.from(albumImages)
		.innerJoin(images, eq(images.id, albumImages.imageId))
		.where(and(eq(albumImages.albumId, albumId), notTrashed))
		.orderBy(asc(albumImages.position), asc(albumImages.addedAt))
}

/**
 * The chosen cover while it is in the album and not trashed, else the first
 * image. listAlbums applies the same rule in SQL (one query for every album);
 * a change here belongs there too.
 */
export function coverOf<T extends { id: string }>(
	album: Pick<AlbumRow, 'coverImageId'>,
	shown: T[],
): T | null {
	const chosen = shown.find((image) => image.id === album.coverImageId)
	return chosen ?? shown[0] ?? null
}

/** Newest first, each with its count and cover (coverOf's rule, in SQL). */
export async function listAlbums(userId: string): Promise<AlbumView[]> {
	const rows = await db
		.select({
			album: albums,
			// Spelled out: drizzle leaves columns unqualified when a query has one table.
			imageCount: sql<number>`(
				select count(*)::int from album_images ai join images i on i.id = ai.image_id
				where ai.album_id = albums.id and i.deleted_at is null)`,
			firstImageId: sql<string | null>`(
				select ai.image_id from album_images ai join images i on i.id = ai.image_id
				where ai.album_id = albums.id and i.deleted_at is null
				order by (ai.image_id = albums.cover_image_id) is true desc, ai.position, ai.added_at
				limit 1)`,
		})
		.from(albums)
		.where(eq(albums.userId, userId))
		.orderBy(desc(albums.createdAt), desc(albums.id))
	return rows.map(({ album, imageCount, firstImageId }) =>
		presentAlbum(album, imageCount, firstImageId),
	)
}

/** The caller's album; another user's is indistinguishable from a missing one. */
export async function getOwnedAlbum(userId: string, albumId: string) {
	if (!isUuid(albumId)) throw albumNotFound()
	const [row] = await db
		.select()
		.from(albums)
		.where(and(eq(albums.id, albumId), eq(albums.userId, userId)))
	if (!row) throw albumNotFound()
	return row
}

/** The album with its images in order, for the API and the album page. */
export async function getAlbum(userId: string, albumId: string) {
	const album = await getOwnedAlbum(userId, albumId)
	const shown = await listAlbumImages(album.id)
	return { album, images: shown, detail: presentAlbumDetail(album, shown) }
}

export function presentAlbumDetail(album: AlbumRow, shown: AlbumImage[]): AlbumDetailView {
	return {
		...presentAlbum(album, shown.length, coverOf(album, shown)?.id ?? null),
		images: shown.map((image) => ({
			id: image.id,
			filename: image.filename,
			position: image.position,
			addedAt: image.addedAt.toISOString(),
		})),
	}
}

function presentAlbum(album: AlbumRow, imageCount: number, coverImageId: string | null): AlbumView {
	return {
		id: album.id,
		title: album.title,
		coverImageId,
		imageCount,
		createdAt: album.createdAt.toISOString(),
		updatedAt: album.updatedAt.toISOString(),
	}
}

export async function createAlbum(
	userId: string,
	{ title, imageIds = [] }: { title: string; imageIds?: string[] },
) {
	return db.transaction(async (tx) => {
		const [album] = await tx.insert(albums).values({ userId, title }).returning()
		if (imageIds.length > 0) await insertImages(tx, userId, album!.id, imageIds)
		return album!
	})
}

export async function updateAlbum(
	userId: string,
	albumId: string,
	{ title, coverImageId }: { title?: string; coverImageId?: string | null },
) {
	return changeAlbum(userId, albumId, async (tx, album) => {
		if (coverImageId) await assertInAlbum(tx, album.id, coverImageId)
		return touch(tx, album.id, {
			...(title === undefined ? {} : { title }),
			...(coverImageId === undefined ? {} : { coverImageId }),
		})
	})
}

export async function deleteAlbum(userId: string, albumId: string) {
	const album = await getOwnedAlbum(userId, albumId)
	// Its rows in album_images and its share links go with it (on delete cascade).
	await db.delete(albums).where(eq(albums.id, album.id))
}

/** Adds the caller's images at the end, in this order; those already in the album stay where they are. */
export function addAlbumImages(userId: string, albumId: string, imageIds: string[]) {
	return changeAlbum(userId, albumId, async (tx, album) => {
		const added = await insertImages(tx, userId, album.id, imageIds)
		await touch(tx, album.id)
		return added
	})
}

export function removeAlbumImage(userId: string, albumId: string, imageId: string) {
	return changeAlbum(userId, albumId, async (tx, album) => {
		if (!isUuid(imageId)) throw imageNotInAlbum()
		const removed = await tx
			.delete(albumImages)
			.where(and(eq(albumImages.albumId, album.id), eq(albumImages.imageId, imageId)))
			.returning()
		if (removed.length === 0) throw imageNotInAlbum()
		// A removed cover falls back to the first image.
		return touch(tx, album.id, album.coverImageId === imageId ? { coverImageId: null } : {})
	})
}

/**
 * Puts these images of the album in this order, in the places they held
 * between them: the others (trashed ones too) keep their positions.
 */
export function reorderAlbum(userId: string, albumId: string, imageIds: string[]) {
	return changeAlbum(userId, albumId, async (tx, album) => {
		await placeInOrder(tx, album.id, imageIds)
		return touch(tx, album.id)
	})
}

/** One step up or down among the images shown (trashed ones are skipped over). */
export function moveAlbumImage(
	userId: string,
	albumId: string,
	imageId: string,
	direction: 'up' | 'down',
) {
	return changeAlbum(userId, albumId, async (tx, album) => {
		// On the transaction's own connection: a second one from the pool while
		// holding this one could wait forever when every connection is held so.
		const order = (await listAlbumImages(album.id, tx)).map((image) => image.id)
		const from = order.indexOf(imageId)
		if (from === -1) throw imageNotInAlbum()
		const to = direction === 'up' ? from - 1 : from + 1
		if (to < 0 || to >= order.length) return album
		// The two swap places: listed in their new order.
		const pair = direction === 'up' ? [imageId, order[to]!] : [order[to]!, imageId]
		await placeInOrder(tx, album.id, pair)
		return touch(tx, album.id)
	})
}

/** Runs a change of the caller's album in a transaction, holding the album's row. */
async function changeAlbum<T>(
	userId: string,
	albumId: string,
	change: (tx: Tx, album: AlbumRow) => Promise<T>,
): Promise<T> {
	if (!isUuid(albumId)) throw albumNotFound()
	return db.transaction(async (tx) => {
		// Positions are computed from what is there: one change of an album at a time.
		const [album] = await tx
			.select()
			.from(albums)
			.where(and(eq(albums.id, albumId), eq(albums.userId, userId)))
			.for('update')
		if (!album) throw albumNotFound()
		return change(tx, album)
	})
}

/** The one place albums.updated_at moves, with whatever else changes on the row. */
async function touch(
	tx: Tx,
	albumId: string,
	set: Partial<Pick<AlbumRow, 'title' | 'coverImageId'>> = {},
) {
	const [album] = await tx
		.update(albums)
		.set({ ...set, updatedAt: sql`now()` })
		.where(eq(albums.id, albumId))
		.returning()
	return album!
}

async function insertImages(tx: Tx, userId: string, albumId: string, imageIds: string[]) {
	const ids = [...new Set(imageIds)]
	const owned = await tx
		.select({ id: images.id })
		.from(images)
		.where(and(inArray(images.id, ids), eq(images.userId, userId), isNull(images.deletedAt)))
	if (owned.length !== ids.length) throw imageNotFound(ids.length)
	const [{ next } = { next: 0 }] = await tx
		.select({ next: sql<number>`coalesce(max(${albumImages.position}) + 1, 0)::int` })
		.from(albumImages)
		.where(eq(albumImages.albumId, albumId))
	const added = await tx
		.insert(albumImages)
		.values(ids.map((imageId, index) => ({ albumId, imageId, position: next + index })))
		.onConflictDoNothing()
		.returning()
	return added.length
}

async function placeInOrder(tx: Tx, albumId: string, imageIds: string[]) {
	const ids = [...new Set(imageIds)]
	const rows = await tx
		.select({ imageId: albumImages.imageId, position: albumImages.position })
		.from(albumImages)
		.where(and(eq(albumImages.albumId, albumId), inArray(albumImages.imageId, ids)))
	if (rows.length !== ids.length) throw imageNotInAlbum(ids.length)
	const slots = rows.map((row) => row.position).sort((a, b) => a - b)
	for (const [index, imageId] of ids.entries()) {
		await tx
			.update(albumImages)
			.set({ position: slots[index]! })
			.where(and(eq(albumImages.albumId, albumId), eq(albumImages.imageId, imageId)))
	}
}

async function assertInAlbum(tx: Tx, albumId: string, imageId: string) {
	if (!isUuid(imageId)) throw coverNotInAlbum()
	const [row] = await tx
		.select({ imageId: albumImages.imageId })
		.from(albumImages)
		.innerJoin(images, eq(images.id, albumImages.imageId))
		.where(and(eq(albumImages.albumId, albumId), eq(albumImages.imageId, imageId), notTrashed))
	if (!row) throw coverNotInAlbum()
}

const imageNotInAlbum = (ids = 1) =>
	new NotFoundError(
		ids === 1
			? 'This image is not in the album.'
			: 'One or more of these images are not in the album.',
	)

const coverNotInAlbum = () =>
	new ValidationError('coverImageId: the cover must be an image of the album.', [
		{ path: 'coverImageId', message: 'must be an image of the album' },
	])
