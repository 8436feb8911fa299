import { sql } from 'drizzle-orm'
import { db } from '#app/db.server'
import { listSearch } from './list-options'
import { listFieldsOf, listWhere, orderOf, parseListContext } from './queries.server'
import type { ListQuery } from './schemas'

export type Neighbor = { id: string; filename: string }

export type Neighbors = {
	previous: Neighbor | null
	next: Neighbor | null
	/** The image's place in the list, from 1; null when it no longer matches the list. */
	position: number | null
}

/**
 * The images either side of one in the list it was opened from: the same
 * search, filters and sort as the gallery (listWhere and orderOf), so
 * previous/next walk exactly what the user saw, across page ends too.
 *
 * One window query over the user's matching rows rather than a keyset step:
 * a keyset over every sort order (mixed directions, null dates, expressions)
 * would be a second definition of the order. It also gives the position, from
 * which "All images" finds the page. Figures in decision 014.
 * The caller has already checked that `imageId` is the user's.
 */
export async function findNeighbors(
	userId: string,
	imageId: string,
	query: ListQuery,
): Promise<Neighbors> {
	const order = sql.join(orderOf(query.sort), sql`, `)
	const [row] = await db.execute<{
		previousId: string | null
		previousFilename: string | null
		nextId: string | null
		nextFilename: string | null
		position: number
	}>(sql`
		select "previousId", "previousFilename", "nextId", "nextFilename", position from (
			select id,
				lag(id) over list as "previousId",
				lag(filename) over list as "previousFilename",
				lead(id) over list as "nextId",
				lead(filename) over list as "nextFilename",
				(row_number() over list)::int as position
			from images
			where ${listWhere(userId, query)}
			window list as (order by ${order})
		) ordered
		where id = ${imageId}`)
	if (!row) return { previous: null, next: null, position: null }
	return {
		previous: row.previousId ? { id: row.previousId, filename: row.previousFilename! } : null,
		next: row.nextId ? { id: row.nextId, filename: row.nextFilename! } : null,
		position: row.position,
	}
}

/**
 * The detail page's previous/next links and its way back to the gallery, for
 * a page opened with `params` (the list's query string: search, filters,
 * sort, page). Each link carries the list on, with the page it is on.
 */
export async function listNavigation(userId: string, imageId: string, params: URLSearchParams) {
	const list = parseListContext(params)
	const inList = await findNeighbors(userId, imageId, list)
	// No longer in that list (its status changed, say): walk the whole gallery instead.
	const walked = inList.position ? list : parseListContext(new URLSearchParams())
	const { previous, next, position } = inList.position
		? inList
		: await findNeighbors(userId, imageId, walked)
	const pageAt = (query: ListQuery, place: number) => Math.ceil(place / query.pageSize)
	const linkTo = (neighbor: Neighbor | null, place: number) =>
		neighbor && {
			...neighbor,
			href: `/images/${neighbor.id}${listSearch({ ...listFieldsOf(walked), page: pageAt(walked, place) })}`,
		}
	return {
		neighbors: {
			previous: position ? linkTo(previous, position - 1) : null,
			next: position ? linkTo(next, position + 1) : null,
		},
		// The page holding the image now; if it left the list, the page it was opened from.
		backTo: `/images${listSearch({
			...listFieldsOf(list),
			page: inList.position ? pageAt(list, inList.position) : list.page,
		})}`,
	}
}
