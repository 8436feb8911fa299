import type { Task } from 'graphile-worker'
import { inArray, sql } from 'drizzle-orm'
import { renditions } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { log } from '#app/log.server'
import { storage } from '#app/storage/storage.server'

// The rendition cache is a cache: whatever goes is made again on request. A
// row goes first, then its file, so a request never finds a row without a
// file for long (and when it does, it forgets the row and renders again).

export type EvictionOptions = {
	/** Rows not requested since before this go. */
	unrequestedSince: Date
	/** Then the least recently requested go until the rest fit. */
	maxBytes: number
	batchSize: number
	/** Files under renditions/ that no row names are removed once this old. */
	orphansOlderThan: Date
}

/** A claim abandoned by a process that died mid-render: long past any lease. */
const ABANDONED_CLAIM = sql`now() - interval '1 hour'`

export async function evictRenditions(options: EvictionOptions) {
	const stale = await removeRows(
		sql`(ready_at is not null and last_requested_at < ${options.unrequestedSince.toISOString()}::timestamptz)
			or (ready_at is null and lease_until < ${ABANDONED_CLAIM})`,
		options.batchSize,
	)
	const overBudget = await removeRows(
		sql`key in (
			select key from (
				select key, sum(byte_size) over (order by last_requested_at desc, key) as kept
				from renditions where ready_at is not null
			) ranked where kept > ${options.maxBytes})`,
		options.batchSize,
	)
	const orphans = await sweepUnnamedFiles(options)
	return { stale, overBudget, orphans }
}

/** Deletes the matching rows, then their files, a batch at a time; returns how many. */
async function removeRows(where: ReturnType<typeof sql>, batchSize: number) {
	let removed = 0
	for (;;) {
		const rows = await db.execute<{ key: string }>(sql`
			delete from renditions where key in (
				select key from renditions where ${where} limit ${batchSize}
			) returning key`)
		if (rows.length === 0) return removed
		await storage.delete(rows.map((row) => row.key))
		removed += rows.length
	}
}

/** Files of purged images and replaced versions (their rows went with them), and crash leftovers. */
async function sweepUnnamedFiles({ orphansOlderThan, batchSize }: EvictionOptions) {
	let removed = 0
	let batch: string[] = []
	const flush = async () => {
		const named = await db
			.select({ key: renditions.key })
			.from(renditions)
			.where(inArray(renditions.key, batch))
		const known = new Set(named.map((row) => row.key))
		const unnamed = batch.filter((key) => !known.has(key))
		if (unnamed.length > 0) await storage.delete(unnamed)
		removed += unnamed.length
		batch = []
	}
	for await (const object of storage.list('renditions/')) {
		if (object.lastModified >= orphansOlderThan) continue
		batch.push(object.key)
		if (batch.length >= batchSize) await flush()
	}
	if (batch.length > 0) await flush()
	return removed
}

/** Crontab: keeps the rendition cache within RENDITION_CACHE_DAYS and RENDITION_CACHE_MAX_BYTES. */
export const cleanupRenditionsTask: Task<'cleanup-renditions'> = async (_payload, helpers) => {
	const { cacheDays, cacheMaxBytes } = config.renditions
	const result = await evictRenditions({
		unrequestedSince: new Date(Date.now() - cacheDays * 86_400_000),
		maxBytes: cacheMaxBytes,
		batchSize: config.cleanupBatchSize,
		orphansOlderThan: new Date(Date.now() - config.orphanMinAgeMinutes * 60_000),
	})
	const removed = result.stale + result.overBudget + result.orphans
	log[removed > 0 ? 'info' : 'debug'](
		{ task: 'cleanup-renditions', jobId: helpers.job.id, ...result },
		'Rendition cache evicted',
	)
}
