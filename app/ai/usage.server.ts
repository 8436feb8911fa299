import { and, count, eq, gte, lt, sql, sum } from 'drizzle-orm'
import { z } from 'zod'
import { images } from '#db/schema'
import { db } from '#app/db.server'
import { ValidationError } from '#app/errors'
import { parseInput } from '#app/validation'

const day = z.iso.date({ error: 'must be a date like 2026-01-31' })

export const usageQuerySchema = z.object({ from: day.optional(), to: day.optional() })

/** The caller's AI totals for whole UTC days from..to (default: the last 30 days). */
export async function aiUsage(userId: string, params: URLSearchParams) {
	const query = parseInput(usageQuerySchema, Object.fromEntries(params))
	const today = new Date().toISOString().slice(0, 10)
	const to = query.to ?? today
	const from = query.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10)
	if (from > to) {
		throw new ValidationError('`from` must not be after `to`.', [
			{ path: 'from', message: `must not be after ${to}` },
		])
	}
	const end = new Date(Date.parse(to) + 86_400_000)
	const where = and(
		eq(images.userId, userId),
		gte(images.aiCompletedAt, new Date(from)),
		lt(images.aiCompletedAt, end),
	)
	const model = sql<string>`${images.ai}->>'model'`
	const rows = await db
		.select({
			model,
			images: count(),
			inputTokens: sum(sql`(${images.ai}->>'inputTokens')::bigint`).mapWith(Number),
			outputTokens: sum(sql`(${images.ai}->>'outputTokens')::bigint`).mapWith(Number),
			costUsd: sum(sql`(${images.ai}->>'costUsd')::numeric`).mapWith(Number),
		})
		.from(images)
		.where(where)
		.groupBy(model)
		.orderBy(model)
	const total = (key: 'images' | 'inputTokens' | 'outputTokens' | 'costUsd') =>
		rows.reduce((acc, row) => acc + (row[key] ?? 0), 0)
	return {
		from,
		to,
		imagesAnalyzed: total('images'),
		inputTokens: total('inputTokens'),
		outputTokens: total('outputTokens'),
		costUsd: Math.round(total('costUsd') * 1e8) / 1e8,
		byModel: rows.map((row) => ({ ...row, costUsd: Math.round((row.costUsd ?? 0) * 1e8) / 1e8 })),
	}
}
