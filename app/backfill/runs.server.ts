import { and, eq, type SQL, sql } from 'drizzle-orm'
import { backfillRunKinds, backfillRuns, type BackfillKind } from '#db/schema'
import { getEmbedder } from '#app/ai/provider.server'
import { type Db, db, type Tx } from '#app/db.server'
import { aiQueueFor } from '#app/images/jobs.server'
import { addJob } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'

// Backfills: perceptual hashes and search embeddings for images that were
// processed before those existed (or while the AI provider was away). A run
// is a row; a `backfill` job queues the per-image jobs (hash-image,
// embed-image) a page at a time, at a priority below every upload's, so a
// backfill never delays new images. Progress is read from graphile-worker's
// jobs (what is still to do) and cost from the embeddings' usage records.

const backfillLog = log.child({ component: 'backfill' })

/** Per-image jobs queued per page; the task checks for a cancel between pages. */
const PAGE = 500
/** Lower runs first: any upload's job (priority = its owner's backlog) goes before these. */
const BACKFILL_PRIORITY = 32_000

type KindDefinition = {
	task: 'hash-image' | 'embed-image'
	label: string
	/**
	 * A named queue runs one job at a time across every worker: hashing takes
	 * one core at most, and embeddings share the AI stage's AI_CONCURRENCY
	 * queues, so even a provider outage holds no more workers than analysis does.
	 */
	queue: (imageId: string) => string
	/** Images (as `i`) that the kind would change; false when it cannot run now. */
	missing: () => SQL | null
	/** Why it cannot run, when `missing` is null. */
	unavailable: string
}

export const backfillKinds: Record<BackfillKind, KindDefinition> = {
	hashes: {
		task: 'hash-image',
		label: 'Perceptual hashes (duplicates, visual similarity)',
		queue: () => 'backfill-hashes',
		missing: () => sql`i.status = 'completed' and i.deleted_at is null and i.phash is null`,
		unavailable: '',
	},
	embeddings: {
		task: 'embed-image',
		label: 'Search embeddings (semantic search, similar images)',
		queue: aiQueueFor,
		missing: () => {
			const embedder = getEmbedder()
			if (!embedder) return null
			return sql`i.ai_status = 'completed' and i.deleted_at is null and not exists (
				select 1 from image_embeddings e where e.image_id = i.id
					and e.model = ${embedder.model} and e.dimensions = ${embedder.dimensions})`
		},
		unavailable:
			'The AI provider has no embeddings: set OPENAI_API_KEY or OPENAI_BASE_URL (and OPENAI_EMBEDDING_MODEL).',
	},
}

export class BackfillUnavailableError extends Error {}

/** How many images a kind's `missing` condition selects. */
async function countMissing(executor: Db | Tx, missing: SQL) {
	const [row] = await executor.execute<{ count: number }>(
		sql`select count(*)::int as count from images i where ${missing}`,
	)
	return row?.count ?? 0
}

/** How many images each kind would fill in now; null when it cannot run. */
export async function missingCounts(): Promise<Record<BackfillKind, number | null>> {
	const counts = await Promise.all(
		backfillRunKinds.map((kind) => {
			const missing = backfillKinds[kind].missing()
			return missing ? countMissing(db, missing) : null
		}),
	)
	return Object.fromEntries(backfillRunKinds.map((kind, i) => [kind, counts[i]!])) as Record<
		BackfillKind,
		number | null
	>
}

/** Starts a run of `kind`, or returns the one already running. */
export async function startBackfill(
	kind: BackfillKind,
	requestedBy: string | null,
	inTx?: (tx: Tx, runId: string) => Promise<void>,
) {
	const missing = backfillKinds[kind].missing()
	if (!missing) throw new BackfillUnavailableError(backfillKinds[kind].unavailable)
	return db.transaction(async (tx) => {
		const [running] = await tx
			.select()
			.from(backfillRuns)
			.where(and(eq(backfillRuns.kind, kind), eq(backfillRuns.status, 'running')))
			.for('update')
		if (running) return { run: running, started: false }
		const total = await countMissing(tx, missing)
		// Nothing to fill in: a run that is over as it starts, still on record.
		const [run] = await tx
			.insert(backfillRuns)
			.values(
				total === 0
					? { kind, requestedBy, total, status: 'completed', finishedAt: sql`now()` }
					: { kind, requestedBy, total, status: 'running' },
			)
			.returning()
		if (total > 0) {
			await addJob(
				tx,
				'backfill',
				{ runId: run!.id },
				{ jobKey: `backfill:${run!.id}`, maxAttempts: 5 },
			)
		}
		await inTx?.(tx, run!.id)
		backfillLog.info({ runId: run!.id, kind, total, requestedBy }, 'Backfill started')
		return { run: run!, started: true }
	})
}

/** Job keys of a run's per-image jobs share this prefix. */
const keyPrefix = (runId: string) => `backfill:${runId}:`

/**
 * Queues the next page of a run's per-image jobs. Returns false when the run
 * is over (everything queued, or cancelled).
 */
export async function queueBackfillPage(runId: string): Promise<boolean> {
	return db.transaction(async (tx) => {
		const [run] = await tx
			.select()
			.from(backfillRuns)
			.where(eq(backfillRuns.id, runId))
			.for('update')
		if (!run || run.status !== 'running' || run.queuedAll) return false
		const kind = backfillKinds[run.kind]
		const missing = kind.missing()
		if (!missing) {
			await tx
				.update(backfillRuns)
				.set({ status: 'cancelled', finishedAt: sql`now()`, error: kind.unavailable })
				.where(eq(backfillRuns.id, runId))
			return false
		}
		// Walks the images by id from where the last page ended: images made
		// meanwhile are covered by their own stages, not by this run.
		const rows = await tx.execute<{ id: string }>(sql`
			select i.id from images i
			where ${missing} and i.created_at <= ${run.createdAt.toISOString()}::timestamptz
				${run.cursor ? sql`and i.id > ${run.cursor}::uuid` : sql``}
			order by i.id limit ${PAGE}`)
		const ids = rows.map((row) => row.id)
		if (ids.length > 0) {
			const list = (values: string[]) =>
				sql.join(
					values.map((value) => sql`${value}`),
					sql`, `,
				)
			await tx.execute(sql`
				select graphile_worker.add_job(${kind.task}::text,
					json_build_object('imageId', t.id),
					queue_name := t.queue,
					job_key := ${keyPrefix(runId)} || t.id,
					priority := ${BACKFILL_PRIORITY}::int,
					max_attempts := 3)
				from unnest(array[${list(ids)}]::uuid[], array[${list(ids.map(kind.queue))}]::text[]) as t(id, queue)`)
		}
		const done = ids.length < PAGE
		await tx
			.update(backfillRuns)
			.set({
				queued: sql`${backfillRuns.queued} + ${ids.length}`,
				cursor: ids.at(-1) ?? run.cursor,
				queuedAll: done,
			})
			.where(eq(backfillRuns.id, runId))
		return !done
	})
}

/** Stops a run: its waiting jobs are removed; those already running finish. */
export async function cancelBackfill(
	runId: string,
	inTx?: (tx: Tx, run: typeof backfillRuns.$inferSelect) => Promise<void>,
) {
	return db.transaction(async (tx) => {
		const [run] = await tx
			.update(backfillRuns)
			.set({ status: 'cancelled', finishedAt: sql`now()` })
			.where(and(eq(backfillRuns.id, runId), eq(backfillRuns.status, 'running')))
			.returning()
		if (!run) return null
		const removed = await tx.execute(sql`
			select graphile_worker.remove_job(key) from graphile_worker.jobs
			where key like ${keyPrefix(runId) + '%'} and locked_at is null`)
		// Removed jobs were never done: they leave the queued count, so "done" stays true.
		run.queued -= removed.count
		await tx.update(backfillRuns).set({ queued: run.queued }).where(eq(backfillRuns.id, runId))
		await inTx?.(tx, run)
		backfillLog.info({ runId, kind: run.kind }, 'Backfill cancelled')
		return run
	})
}

export type BackfillProgress = Awaited<ReturnType<typeof backfillProgress>>[number]

/**
 * The latest run of each kind with its progress: `remaining` per-image jobs
 * waiting or running, `failed` ones that gave up, and the embeddings' cost
 * since the run started. A running run whose jobs are all done is marked
 * completed here, the first time anyone looks.
 */
export async function backfillProgress() {
	const runs = await db.execute<{
		id: string
		kind: BackfillKind
		status: 'running' | 'completed' | 'cancelled'
		total: number
		queued: number
		queuedAll: boolean
		remaining: number
		failed: number
		costUsd: number
		createdAt: string
		finishedAt: string | null
		error: string | null
	}>(sql`
		select r.id, r.kind, r.status, r.total, r.queued, r.queued_all as "queuedAll",
			j.remaining, j.failed, r.created_at as "createdAt", r.finished_at as "finishedAt", r.error,
			case when r.kind = 'embeddings' then coalesce((
				select sum(u.cost_usd) from embedding_usage u where u.purpose = 'image'
					and u.created_at >= r.created_at and u.created_at <= coalesce(r.finished_at, now())
			), 0) else 0 end::float as "costUsd"
		from (select distinct on (kind) * from backfill_runs order by kind, created_at desc) r
		cross join lateral (
			select count(*) filter (where attempts < max_attempts)::int as remaining,
				count(*) filter (where attempts >= max_attempts)::int as failed
			from graphile_worker.jobs where key like 'backfill:' || r.id || ':%'
		) j
		order by r.kind`)
	const progress = []
	for (const run of runs) {
		if (run.status === 'running' && run.queuedAll && run.remaining === 0) {
			await db
				.update(backfillRuns)
				.set({ status: 'completed', finishedAt: sql`now()` })
				.where(and(eq(backfillRuns.id, run.id), eq(backfillRuns.status, 'running')))
			run.status = 'completed'
			run.finishedAt = new Date().toISOString()
		}
		const done = Math.max(0, run.queued - run.remaining - run.failed)
		progress.push({ ...run, done, costUsd: Math.round(run.costUsd * 1e8) / 1e8 })
	}
	return progress
}
