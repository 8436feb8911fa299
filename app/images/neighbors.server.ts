import { sql } from 'drizzle-orm'
import { db } from '~/db.server'

export type Neighbor = { id: string; filename: string }

/**
 * The images either side of one in the gallery's default order, newest
 * first: `previous` is the next newer image, `next` the next older. Each is
 * one backward or forward step along images_user_created_idx
 * (user_id, created_at desc nulls last, id desc nulls last); the ORDER BY
 * spells the index's null ordering so the planner can use it.
 *
 * The image's own (created_at, id) is read in the database rather than
 * passed in: PostgreSQL keeps microseconds and a JS Date only milliseconds,
 * so a bound parameter would skip images, or find the image itself.
 * The caller has already checked that `imageId` is the user's.
 */
export async function findNeighbors(
	userId: string,
	imageId: string,
): Promise<{ previous: Neighbor | null; next: Neighbor | null }> {
	const current = sql`(select created_at, id from images where id = ${imageId} and user_id = ${userId} and deleted_at is null)`
	const [previous, next] = await Promise.all([
		db.execute<Neighbor>(sql`
			select id, filename from images
			where user_id = ${userId} and deleted_at is null and (created_at, id) > ${current}
			order by created_at asc nulls first, id asc nulls first
			limit 1`),
		db.execute<Neighbor>(sql`
			select id, filename from images
			where user_id = ${userId} and deleted_at is null and (created_at, id) < ${current}
			order by created_at desc nulls last, id desc nulls last
			limit 1`),
	])
	return { previous: previous[0] ?? null, next: next[0] ?? null }
}
