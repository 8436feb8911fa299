import { lt, sql } from 'drizzle-orm'
import { z } from 'zod'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { ValidationError } from '#app/errors'
import { deleteImageRows, removeImageObjects } from '#app/images/delete.server'

// Retention: images older than a number of days go, rows and objects, through
// the same deletion path as DELETE /api/images/{id}. Shared by the crontab
// task (RETENTION_DAYS) and POST /api/admin/retention/sweep.

/** A hundred years: the longest period the sweep takes. */
export const MAX_RETENTION_DAYS = 36_500

export const sweepBodySchema = z.object({
	olderThanDays: z.number().int().positive().max(MAX_RETENTION_DAYS).optional().meta({
		description: 'Delete images created more than this many days ago. Default: `RETENTION_DAYS`.',
	}),
})

/** The override when given, else RETENTION_DAYS; 422 when neither is set. */
export function retentionDays(override?: number): number {
	const days = override ?? config.retentionDays
	if (days === undefined) {
		const message = 'Required when RETENTION_DAYS is not set'
		throw new ValidationError('No retention period: send olderThanDays or set RETENTION_DAYS.', [
			{ path: 'olderThanDays', message },
		])
	}
	return days
}

export type RetentionOptions = { olderThanDays: number; batchSize: number }

/** Deletes every image created more than `olderThanDays` ago, a batch at a time; returns how many. */
export async function sweepRetention({ olderThanDays, batchSize }: RetentionOptions) {
	// The database's clock, the one that wrote created_at.
	const cutoff = sql`now() - make_interval(days => ${olderThanDays}::int)`
	let removed = 0
	for (;;) {
		const batch = await db.transaction(async (tx) => {
			// No order: any old rows will do, and the scan can stop at the first batchSize.
			const rows = await tx
				.select({ id: images.id })
				.from(images)
				.where(lt(images.createdAt, cutoff))
				.limit(batchSize)
				.for('update', { skipLocked: true })
			return deleteImageRows(
				tx,
				rows.map((row) => row.id),
			)
		})
		// Storage failures land in pending_deletions; the rows are gone either way.
		await removeImageObjects(batch, 'retention')
		removed += batch.length
		if (batch.length < batchSize) return { removed }
	}
}
