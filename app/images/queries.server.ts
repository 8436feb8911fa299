import {
	and,
	asc,
	count,
	desc,
	eq,
	getTableColumns,
	gte,
	inArray,
	isNull,
	lt,
	not,
	or,
	type SQL,
	sql,
} from 'drizzle-orm'
import { images, users } from '#db/schema'
import type { UserRole } from '#db/statuses'
import { type Db, db, type Tx } from '#app/db.server'
import { ForbiddenError, NotFoundError } from '#app/errors'
import { isUuid, parseInput } from '#app/validation'
import { contentTypesByType, type ListSort } from './list-options'
import { type ListQuery, listQuerySchema } from './schemas'
import { parseSearchTerms, type SearchTerm, wordsOf } from './search-terms'

export type ImageRow = typeof images.$inferSelect

/** Every normal read leaves out images in the trash (see app/images/trash.server.ts). */
export const notTrashed = isNull(images.deletedAt)

/** An image row with its owner's address, for presenting it to anyone. */
export type OwnedImageRow = ImageRow & { ownerEmail: string }

/** The signed-in caller an image is read or changed for. */
export type Viewer = { id: string; role: UserRole }

// Sharing (decision 022): an image is its owner's alone, or shared with the
// team. Anyone may view a shared one; only its owner or an admin may change it.
// A private image of someone else is missing, for admins too.

/** The images the viewer may see: their own and every shared one (trashed ones aside: add notTrashed). */
export const visibleTo = (viewerId: string) =>
	or(eq(images.userId, viewerId), eq(images.visibility, 'team'))!

/** Whether the viewer may process, delete or share an image they can see. */
export const mayManage = (viewer: Viewer, image: Pick<ImageRow, 'userId'>) =>
	image.userId === viewer.id || viewer.role === 'admin'

/** Refuses (403) when any of the visible `rows` is not the viewer's to change. */
export function assertMayManage(viewer: Viewer, rows: Array<Pick<ImageRow, 'userId'>>) {
	if (rows.every((row) => mayManage(viewer, row))) return
	throw new ForbiddenError(
		rows.length === 1
			? 'Only the owner of this image or an admin may change it.'
			: 'Only their owners or an admin may change some of these images.',
	)
}

/** Image rows with their owners' addresses. */
export function selectWithOwners(executor: Db | Tx = db) {
	return executor
		.select({ ...getTableColumns(images), ownerEmail: users.email })
		.from(images)
		.innerJoin(users, eq(users.id, images.userId))
}

/** The caller's image; another user's image is indistinguishable from a missing one. */
export async function getOwnedImage(userId: string, imageId: string): Promise<OwnedImageRow> {
	if (!isUuid(imageId)) throw imageNotFound()
	const [image] = await selectWithOwners().where(
		and(eq(images.id, imageId), eq(images.userId, userId), notTrashed),
	)
	if (!image) throw imageNotFound()
	return image
}

/** An image the viewer may see: theirs or a shared one. Another's private image is missing. */
export async function getVisibleImage(viewer: Viewer, imageId: string): Promise<OwnedImageRow> {
	if (!isUuid(imageId)) throw imageNotFound()
	const [image] = await selectWithOwners().where(
		and(eq(images.id, imageId), visibleTo(viewer.id), notTrashed),
	)
	if (!image) throw imageNotFound()
	return image
}

/** A visible image the viewer may also change (403 for someone else's shared one). */
export async function getManageableImage(viewer: Viewer, imageId: string) {
	const image = await getVisibleImage(viewer, imageId)
	assertMayManage(viewer, [image])
	return image
}

export const imageNotFound = (ids = 1) =>
	new NotFoundError(
		ids === 1 ? 'No image with this id.' : 'One or more of these images do not exist.',
	)

/** The list's query (a form's or the API's); empty filter values mean no filter. */
export function parseListQuery(params: URLSearchParams | Record<string, string>) {
	const raw = params instanceof URLSearchParams ? Object.fromEntries(params) : params
	return parseInput(listQuerySchema, raw)
}

/**
 * The list a detail page was opened from, read from its own query string; a
 * hand-edited bad one means the default list rather than an error page.
 */
export function parseListContext(params: URLSearchParams): ListQuery {
	try {
		return parseListQuery(params)
	} catch {
		return parseListQuery({})
	}
}

/** The query's list fields (not its page), as listSearch takes them. */
export function listFieldsOf(query: ListQuery) {
	const { scope, q, mode, tag, status, type, date, from, to, sort, pageSize } = query
	return { scope, q, mode, tag, status, type, date, from, to, sort, pageSize }
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 24 * 60 * 60 * 1000)

/** The list's order; previous/next on the detail page walk the same one. */
export function orderOf(sort: ListSort): SQL[] {
	switch (sort) {
		case 'oldest':
			return [asc(images.createdAt), asc(images.id)]
		case 'name':
			return [sql`lower(${images.filename})`, asc(images.filename), asc(images.id)]
		case 'size':
			return [desc(images.byteSize), desc(images.createdAt), desc(images.id)]
		// Images without a date taken come last either way.
		case 'taken-newest':
			return [sql`${images.takenAt} desc nulls last`, sql`${images.id} desc nulls last`]
		case 'taken-oldest':
			return [sql`${images.takenAt} asc nulls last`, asc(images.id)]
		default:
			// `nulls last` matches the list indexes (drizzle writes them so); plain
			// `desc` means nulls first, and the planner would not use them.
			return [sql`${images.createdAt} desc nulls last`, sql`${images.id} desc nulls last`]
	}
}

/**
 * The list's filters; previous/next on the detail page use the same ones.
 * `scope=team` is every shared image (the viewer's too), never a private one.
 */
export function listWhere(userId: string, query: ListQuery): SQL {
	const dateColumn = query.date === 'taken' ? images.takenAt : images.createdAt
	return and(
		query.scope === 'team' ? eq(images.visibility, 'team') : eq(images.userId, userId),
		notTrashed,
		query.status ? eq(images.overallStatus, query.status) : undefined,
		query.q ? searchWhere(query.q) : undefined,
		query.tag ? sql`${images.ai} -> 'tags' @> ${JSON.stringify([query.tag])}::jsonb` : undefined,
		query.type ? inArray(images.contentType, [...contentTypesByType[query.type]]) : undefined,
		query.from ? gte(dateColumn, new Date(`${query.from}T00:00:00Z`)) : undefined,
		query.to ? lt(dateColumn, nextDay(query.to)) : undefined,
	)!
}

/** Images matching at least one wanted term (and no excluded one): hybrid search's partial matches. */
export function someTermWhere(q: string) {
	const terms = parseSearchTerms(q)
	return and(
		or(...terms.all.flat().map(termMatches)),
		...terms.none.map((term) => not(termMatches(term))),
	)
}

/** The `-word` exclusions of a search alone: meaning search keeps them. */
export function exclusionsWhere(q: string) {
	return and(...parseSearchTerms(q).none.map((term) => not(termMatches(term))))
}

/**
 * How well an image's words match the search's terms (ts_rank_cd over the
 * same tsquery as the filter, every term and'ed); 0 for a name-only match.
 */
export function textRank(q: string): SQL<number> {
	const tsqueries = parseSearchTerms(q).all.flatMap((group) =>
		group.flatMap((term) => {
			const query = tsqueryOf(term)
			return query ? [`(${query})`] : []
		}),
	)
	if (tsqueries.length === 0) return sql<number>`0`
	return sql<number>`ts_rank_cd(${images.search}, to_tsquery('simple', ${tsqueries.join(' | ')}))`
}

function searchWhere(q: string) {
	const terms = parseSearchTerms(q)
	return and(
		...terms.all.map((group) => or(...group.map(termMatches))),
		...terms.none.map((term) => not(termMatches(term))),
	)
}

/**
 * A term matches anywhere in the file name (ILIKE, images_filename_trgm_idx),
 * or as words in the text search (images_search_idx) with the last word a
 * prefix unless quoted: `rock` finds rocket-copy-2.jpg and "rocky".
 */
function termMatches(term: SearchTerm): SQL {
	const name = sql`${images.filename} ilike ${`%${escapeLike(term.text)}%`}`
	const tsquery = tsqueryOf(term)
	if (!tsquery) return name
	return sql`(${name} or ${images.search} @@ to_tsquery('simple', ${tsquery}))`
}

/** A term as tsquery text (words in a row, the last a prefix unless quoted); null without words. */
function tsqueryOf(term: SearchTerm): string | null {
	const words = wordsOf(term.text)
	if (words.length === 0) return null
	const last = words.length - 1
	// Only letters and digits reach to_tsquery, so no input is tsquery syntax.
	return words.map((w, i) => (i === last && !term.phrase ? `${w}:*` : w)).join(' <-> ')
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&')

export async function listImages(userId: string, query: ListQuery) {
	const where = listWhere(userId, query)
	const [rows, [totals]] = await Promise.all([
		selectWithOwners()
			.where(where)
			.orderBy(...orderOf(query.sort))
			.limit(query.pageSize)
			.offset((query.page - 1) * query.pageSize),
		db.select({ total: count() }).from(images).where(where),
	])
	const total = totals?.total ?? 0
	return {
		rows,
		page: query.page,
		pageSize: query.pageSize,
		total,
		totalPages: Math.ceil(total / query.pageSize),
	}
}
