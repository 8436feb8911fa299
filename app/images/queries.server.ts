import { and, asc, count, desc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm'
import { z } from 'zod'
import { images, overallStatuses } from '../../db/schema'
import { db } from '~/db.server'
import { NotFoundError } from '~/errors'
import { isUuid, parseInput } from '~/http/input.server'
import { contentTypesByType, imageTypes, type ListSort, listSorts } from './list-options'

export type ImageRow = typeof images.$inferSelect

/** Every normal read leaves out images in the trash (see app/images/trash.server.ts). */
export const notTrashed = isNull(images.deletedAt)

/** The caller's image; another user's image is indistinguishable from a missing one. */
export async function getOwnedImage(userId: string, imageId: string): Promise<ImageRow> {
	if (!isUuid(imageId)) throw imageNotFound()
	const [image] = await db
		.select()
		.from(images)
		.where(and(eq(images.id, imageId), eq(images.userId, userId), notTrashed))
	if (!image) throw imageNotFound()
	return image
}

const imageNotFound = () => new NotFoundError('No image with this id.')

const day = z.iso.date({ error: 'must be a date like 2026-01-31' })

export const listQuerySchema = z
	.object({
		page: z.coerce.number().int().min(1).max(100_000).default(1),
		pageSize: z.coerce.number().int().min(1).max(100).default(20),
		status: z.enum(overallStatuses).optional(),
		/** Words searched in file name, summary, tags and OCR text. */
		q: z.string().trim().min(1).max(200).optional(),
		tag: z.string().trim().toLowerCase().min(1).max(64).optional(),
		sort: z.enum(listSorts).default('newest'),
		type: z.enum(imageTypes).optional(),
		/** First UTC day of createdAt, included. */
		from: day.optional(),
		/** Last UTC day of createdAt, included. */
		to: day.optional(),
	})
	.refine((query) => !query.from || !query.to || query.from <= query.to, {
		path: ['to'],
		message: 'must not be before from',
	})

export type ListQuery = z.output<typeof listQuerySchema>

const optionalFields = ['status', 'q', 'tag', 'sort', 'type', 'from', 'to']

export function parseListQuery(params: URLSearchParams | Record<string, string>) {
	const raw = params instanceof URLSearchParams ? Object.fromEntries(params) : { ...params }
	// Empty fields (as a plain HTML form sends for "all") mean no filter.
	for (const name of optionalFields) if (raw[name]?.trim() === '') delete raw[name]
	return parseInput(listQuerySchema, raw)
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 24 * 60 * 60 * 1000)

function orderOf(sort: ListSort) {
	switch (sort) {
		case 'oldest':
			return [asc(images.createdAt), asc(images.id)]
		case 'name':
			return [sql`lower(${images.filename})`, asc(images.filename), asc(images.id)]
		case 'size':
			return [desc(images.byteSize), desc(images.createdAt), desc(images.id)]
		default:
			// `nulls last` matches the list indexes (drizzle writes them so); plain
			// `desc` means nulls first, and the planner would not use them.
			return [sql`${images.createdAt} desc nulls last`, sql`${images.id} desc nulls last`]
	}
}

export async function listImages(userId: string, query: ListQuery) {
	const where = and(
		eq(images.userId, userId),
		notTrashed,
		query.status ? eq(images.overallStatus, query.status) : undefined,
		query.q ? sql`${images.search} @@ websearch_to_tsquery('simple', ${query.q})` : undefined,
		query.tag ? sql`${images.ai} -> 'tags' @> ${JSON.stringify([query.tag])}::jsonb` : undefined,
		query.type ? inArray(images.contentType, [...contentTypesByType[query.type]]) : undefined,
		query.from ? gte(images.createdAt, new Date(`${query.from}T00:00:00Z`)) : undefined,
		query.to ? lt(images.createdAt, nextDay(query.to)) : undefined,
	)
	const [rows, [totals]] = await Promise.all([
		db
			.select()
			.from(images)
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
