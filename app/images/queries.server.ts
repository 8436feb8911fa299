import { and, count, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { images, overallStatuses } from '../../db/schema'
import { db } from '~/db.server'
import { NotFoundError } from '~/errors'
import { parseInput } from '~/http/input.server'

export type ImageRow = typeof images.$inferSelect

const uuid = z.uuid()

/** The caller's image; another user's image is indistinguishable from a missing one. */
export async function getOwnedImage(userId: string, imageId: string): Promise<ImageRow> {
	if (!uuid.safeParse(imageId).success) throw imageNotFound()
	const [image] = await db
		.select()
		.from(images)
		.where(and(eq(images.id, imageId), eq(images.userId, userId)))
	if (!image) throw imageNotFound()
	return image
}

const imageNotFound = () => new NotFoundError('No image with this id.')

export const listQuerySchema = z.object({
	page: z.coerce.number().int().min(1).max(100_000).default(1),
	pageSize: z.coerce.number().int().min(1).max(100).default(20),
	status: z.enum(overallStatuses).optional(),
	/** Words searched in file name, summary, tags and OCR text. */
	q: z.string().trim().min(1).max(200).optional(),
	tag: z.string().trim().toLowerCase().min(1).max(64).optional(),
})

export type ListQuery = z.output<typeof listQuerySchema>

export function parseListQuery(params: URLSearchParams | Record<string, string>) {
	const raw = params instanceof URLSearchParams ? Object.fromEntries(params) : params
	// Empty fields (as a plain HTML form sends for "all") mean no filter.
	for (const name of ['status', 'q', 'tag']) if (raw[name]?.trim() === '') delete raw[name]
	return parseInput(listQuerySchema, raw)
}

export async function listImages(userId: string, query: ListQuery) {
	const where = and(
		eq(images.userId, userId),
		query.status ? eq(images.overallStatus, query.status) : undefined,
		query.q ? sql`${images.search} @@ websearch_to_tsquery('simple', ${query.q})` : undefined,
		query.tag ? sql`${images.ai} -> 'tags' @> ${JSON.stringify([query.tag])}::jsonb` : undefined,
	)
	const [rows, [totals]] = await Promise.all([
		db
			.select()
			.from(images)
			.where(where)
			// `nulls last` matches the list indexes (drizzle writes them so); plain
			// `desc` means nulls first, and the planner would not use them.
			.orderBy(sql`${images.createdAt} desc nulls last`, sql`${images.id} desc nulls last`)
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
