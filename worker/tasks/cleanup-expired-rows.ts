import { sql, type SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Task } from 'graphile-worker'
import {
	idempotencyKeys,
	queryEmbeddings,
	rateLimits,
	sessions,
	uploadSlots,
	webhookDeliveries,
} from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { log } from '#app/log.server'

// Rows nobody will read again. Sessions stay a day past their end, so a
// client still sending a just-expired token gets "expired", not a mystery.

export async function deleteExpiredRows({ batchSize }: { batchSize: number }) {
	return {
		sessions: await deleteInBatches(
			sessions,
			sql`${sessions.expiresAt} < now() - interval '1 day' or ${sessions.revokedAt} < now() - interval '1 day'`,
			batchSize,
		),
		// The contract's window: a repeat within 24 h returns the same image.
		idempotencyKeys: await deleteInBatches(
			idempotencyKeys,
			sql`${idempotencyKeys.createdAt} < now() - interval '24 hours'`,
			batchSize,
		),
		rateLimits: await deleteInBatches(rateLimits, sql`${rateLimits.expiresAt} < now()`, batchSize),
		// Left by a web process that died mid-upload; a live upload renews its own.
		uploadSlots: await deleteInBatches(
			uploadSlots,
			sql`${uploadSlots.expiresAt} < now()`,
			batchSize,
		),
		// The delivery log is for debugging an endpoint: a month of it is plenty.
		webhookDeliveries: await deleteInBatches(
			webhookDeliveries,
			sql`${webhookDeliveries.createdAt} < now() - interval '30 days' and ${webhookDeliveries.completedAt} is not null`,
			batchSize,
		),
		// Cached search vectors: a query nobody typed for a month is embedded again if it comes back.
		queryEmbeddings: await deleteInBatches(
			queryEmbeddings,
			sql`${queryEmbeddings.usedAt} < now() - interval '30 days'`,
			batchSize,
		),
	}
}

/** Short statements, so a large backlog never holds locks for long. */
async function deleteInBatches(table: PgTable, where: SQL, batchSize: number): Promise<number> {
	let removed = 0
	for (;;) {
		const result = await db.execute(
			sql`delete from ${table} where ctid = any(array(select ctid from ${table} where ${where} limit ${batchSize}))`,
		)
		removed += result.count
		if (result.count < batchSize) return removed
	}
}

/** Crontab: drops expired sessions, idempotency keys and rate-limit windows. */
export const cleanupExpiredRowsTask: Task<'cleanup-expired-rows'> = async (_payload, helpers) => {
	const removed = await deleteExpiredRows({ batchSize: config.cleanupBatchSize })
	const total = removed.sessions + removed.idempotencyKeys + removed.rateLimits
	log[total > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-expired-rows', jobId: helpers.job.id, ...removed },
		'Expired rows removed',
	)
}
