import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { images } from '#db/schema'
import { db } from '#app/db.server'
import { ValidationError } from '#app/errors'
import { imageNotFound, type ImageRow } from '#app/images/queries.server'
import { signVariant } from '#app/images/present.server'
import type { SigningWindow } from '#app/storage/common'
import { deleteImages } from '#app/images/trash.server'
import type { UserRole } from '#db/statuses'
import { hammingDistance } from './phash.server'
import { type DuplicateGroup, NEAR_DUPLICATE_THRESHOLD, type Resolution } from './schemas'

// Near-duplicate groups of one owner's images (docs/decisions/027-duplicates.md).
// Pairs come from SQL: exact ones by sha256 (images_user_sha256_idx), near
// ones by pigeonhole banding: with the 64 bits cut into threshold + 1 bands,
// two hashes at most `threshold` bits apart agree exactly on one band at
// least, so a hash join on (band, value) finds every candidate and bit_count
// over the XOR keeps the true pairs. Groups are the pairs' connected
// components (a~b and b~c make one group), joined here with a union-find.

type Band = { band: number; shift: number; mask: bigint }

/** threshold + 1 bands covering the 64 bits, the first ones a bit wider when 64 does not divide. */
function bandsFor(threshold: number): Band[] {
	const count = threshold + 1
	const bands: Band[] = []
	let shift = 0
	for (let band = 0; band < count; band++) {
		const width = Math.floor(64 / count) + (band < 64 % count ? 1 : 0)
		bands.push({ band, shift, mask: (1n << BigInt(width)) - 1n })
		shift += width
	}
	return bands
}

/** Every pair (a < b) of the user's live, completed images that are duplicates. */
async function duplicatePairs(userId: string, threshold: number): Promise<Array<[string, string]>> {
	const bandRows = sql.join(
		bandsFor(threshold).map(
			({ band, shift, mask }) => sql`(${band}::int, ${shift}::int, ${mask.toString()}::bigint)`,
		),
		sql`, `,
	)
	const rows = await db.execute<{ a: string; b: string }>(sql`
		with hashed as (
			select id, phash from images
			where user_id = ${userId}::uuid and deleted_at is null and status = 'completed'
			and phash is not null
		),
		banded as (
			select h.id, h.phash, b.band, (h.phash >> b.shift) & b.mask as value
			from hashed h cross join (values ${bandRows}) as b(band, shift, mask)
		)
		select x.id as a, y.id as b
		from banded x join banded y on y.band = x.band and y.value = x.value and x.id < y.id
		where bit_count((x.phash # y.phash)::bit(64)) <= ${threshold}
		union
		select x.id, y.id from images x
		join images y on y.user_id = x.user_id and y.sha256 = x.sha256 and x.id < y.id
		where x.user_id = ${userId}::uuid and x.deleted_at is null and x.status = 'completed'
		and y.deleted_at is null and y.status = 'completed'`)
	return rows.map((row) => [row.a, row.b])
}

/** Connected components of the pairs, each a list of ids. */
function components(pairs: Array<[string, string]>): string[][] {
	const parent = new Map<string, string>()
	const root = (id: string): string => {
		let node = id
		while (parent.get(node) !== node) {
			const up = parent.get(node)!
			parent.set(node, parent.get(up)!)
			node = up
		}
		return node
	}
	for (const [a, b] of pairs) {
		if (!parent.has(a)) parent.set(a, a)
		if (!parent.has(b)) parent.set(b, b)
		parent.set(root(a), root(b))
	}
	const groups = new Map<string, string[]>()
	for (const id of parent.keys()) {
		const key = root(id)
		const group = groups.get(key)
		if (group) group.push(id)
		else groups.set(key, [id])
	}
	return [...groups.values()]
}

/** The one to keep: the most pixels, then the most bytes, then the oldest. */
function keeperFirst(a: ImageRow, b: ImageRow): number {
	return (
		b.width * b.height - a.width * a.height ||
		b.byteSize - a.byteSize ||
		a.createdAt.getTime() - b.createdAt.getTime() ||
		a.id.localeCompare(b.id)
	)
}

export type DuplicateGroups = {
	groups: DuplicateGroup[]
	total: number
	limit: number
	threshold: number
}

type Signing = { baseUrl: string; window: SigningWindow }

/** The user's duplicate groups, largest first (then the most recent), at most `limit` of them. */
export async function findDuplicateGroups(
	userId: string,
	{ limit }: { limit: number },
	signing: Signing,
): Promise<DuplicateGroups> {
	const threshold = NEAR_DUPLICATE_THRESHOLD
	const found = components(await duplicatePairs(userId, threshold))
	const rows = new Map<string, ImageRow>()
	// Rows of the groups answered only: a library of many small groups stays cheap.
	const sized = found.map((group) => ({ group, size: group.length }))
	sized.sort((a, b) => b.size - a.size)
	const answered = sized.slice(0, limit).map(({ group }) => group)
	const wanted = answered.flat()
	if (wanted.length > 0) {
		for (const row of await db.select().from(images).where(inArray(images.id, wanted))) {
			rows.set(row.id, row)
		}
	}
	const groups = answered
		.map((group) => group.map((id) => rows.get(id)).filter((row) => row !== undefined))
		.filter((group) => group.length > 1)
		.map((group) => {
			const [keeper, ...others] = group.toSorted(keeperFirst)
			others.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
			return { keeper: keeper!, others }
		})
		// Same size: the group with the most recent upload first.
		.sort((a, b) => b.others.length - a.others.length || newest(b) - newest(a))
	return {
		groups: await Promise.all(groups.map((group) => presentGroup(group, signing))),
		total: found.length,
		limit,
		threshold,
	}
}

const newest = ({ keeper, others }: { keeper: ImageRow; others: ImageRow[] }) =>
	Math.max(keeper.createdAt.getTime(), ...others.map((row) => row.createdAt.getTime()))

async function presentGroup(
	{ keeper, others }: { keeper: ImageRow; others: ImageRow[] },
	signing: Signing,
): Promise<DuplicateGroup> {
	const copies = new Map<string, number>()
	for (const row of [keeper, ...others]) copies.set(row.sha256, (copies.get(row.sha256) ?? 0) + 1)
	const present = async (row: ImageRow) => ({
		id: row.id,
		filename: row.filename,
		width: row.width,
		height: row.height,
		byteSize: row.byteSize,
		createdAt: row.createdAt.toISOString(),
		thumbnailUrl: await signVariant(row, 'thumbnail', signing),
		distance:
			row.phash !== null && keeper.phash !== null ? hammingDistance(row.phash, keeper.phash) : 0,
		identical: copies.get(row.sha256)! > 1,
	})
	return {
		keep: keeper.id,
		others: others.map((row) => row.id),
		images: await Promise.all([keeper, ...others].map(present)),
	}
}

/**
 * Moves the images each resolution deletes to the trash (the one delete,
 * app/images/trash.server.ts). Every id, kept or deleted, must be a live
 * image of the caller's own: anyone else's, shared or not, is as missing
 * (404) and nothing changes. Returns the ids deleted.
 */
export async function resolveDuplicates(
	viewer: { id: string; role: UserRole },
	resolutions: Resolution[],
): Promise<string[]> {
	const toDelete = [...new Set(resolutions.flatMap((resolution) => resolution.delete))]
	const kept = new Set(resolutions.map((resolution) => resolution.keep))
	const mentioned = [...new Set([...toDelete, ...kept])]
	const owned = await db
		.select({ id: images.id })
		.from(images)
		.where(
			and(eq(images.userId, viewer.id), inArray(images.id, mentioned), isNull(images.deletedAt)),
		)
	if (owned.length !== mentioned.length) throw imageNotFound(mentioned.length)
	if (toDelete.some((id) => kept.has(id))) {
		const message = 'an image kept in one group cannot be deleted in another'
		throw new ValidationError(`groups: ${message}.`, [{ path: 'groups', message }])
	}
	return deleteImages(viewer, toDelete)
}
