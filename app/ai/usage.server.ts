import { and, count, eq, gte, lt, sql, sum } from 'drizzle-orm'
import { z } from 'zod'
import { embeddingUsage, images } from '#db/schema'
import { db } from '#app/db.server'
import { ValidationError } from '#app/errors'
import type { usageSchema } from './schemas'

/** Without `from`, the report covers this many UTC days up to `to`. */
export const DEFAULT_USAGE_DAYS = 30

const day = z.iso.date({ error: 'must be a date like 2026-01-31' })

export const usageQuerySchema = z.object({
	from: day.optional().meta({
		param: {
			id: 'UsageFrom',
			description: `First UTC day, \`YYYY-MM-DD\`. Default: ${DEFAULT_USAGE_DAYS - 1} days before \`to\`. Malformed, or after \`to\`: \`422\`.`,
			example: '2026-01-01',
		},
	}),
	to: day.optional().meta({
		param: {
			id: 'UsageTo',
			description: 'Last UTC day (included), `YYYY-MM-DD`. Default: today (UTC). Malformed: `422`.',
			example: '2026-01-31',
		},
	}),
})

export type UsageQuery = z.output<typeof usageQuerySchema>

/** The caller's AI totals for whole UTC days from..to (default: the last DEFAULT_USAGE_DAYS). */
export async function aiUsage(
	userId: string,
	query: UsageQuery,
): Promise<z.input<typeof usageSchema>> {
	const today = new Date().toISOString().slice(0, 10)
	const to = query.to ?? today
	const from =
		query.from ??
		new Date(Date.parse(to) - (DEFAULT_USAGE_DAYS - 1) * 86_400_000).toISOString().slice(0, 10)
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
	const [embeddings] = await db
		.select({
			requests: count(),
			inputTokens: sum(embeddingUsage.inputTokens).mapWith(Number),
			costUsd: sum(embeddingUsage.costUsd).mapWith(Number),
		})
		.from(embeddingUsage)
		.where(
			and(
				eq(embeddingUsage.userId, userId),
				gte(embeddingUsage.createdAt, new Date(from)),
				lt(embeddingUsage.createdAt, end),
			),
		)
	const total = (key: 'images' | 'inputTokens' | 'outputTokens' | 'costUsd') =>
		rows.reduce((acc, row) => acc + (row[key] ?? 0), 0)
	const usd = (value: number) => Math.round(value * 1e8) / 1e8
	const embeddingCostUsd = usd(embeddings?.costUsd ?? 0)
	return {
		from,
		to,
		imagesAnalyzed: total('images'),
		inputTokens: total('inputTokens'),
		outputTokens: total('outputTokens'),
		costUsd: usd(total('costUsd')),
		byModel: rows.map((row) => ({ ...row, costUsd: usd(row.costUsd ?? 0) })),
		embeddingRequests: embeddings?.requests ?? 0,
		embeddingTokens: embeddings?.inputTokens ?? 0,
		embeddingCostUsd,
		totalCostUsd: usd(total('costUsd') + embeddingCostUsd),
	}
}
