import os from 'node:os'
import { eq, sql } from 'drizzle-orm'
import type { WorkerEvents } from 'graphile-worker'
import { workerHeartbeats } from '#db/schema'
import { db } from '#app/db.server'
import { log } from '#app/log.server'

// graphile-worker keeps a dead worker's jobs locked for 4 hours. Every worker
// process writes a heartbeat for each of its worker pools and, on the same
// beat, releases the jobs of pools that went silent, so a crash costs seconds.
//
// Jobs are locked under the *pool* id (`locked_by = workerPool.id` in
// graphile-worker 0.17, shared by the pool's `worker-…` ids), so that is the
// id a heartbeat row carries and the one force_unlock_workers() needs.

export type HeartbeatOptions = {
	intervalSeconds: number
	deadAfterSeconds: number
	/**
	 * The embedded PostgreSQL (no DATABASE_URL): only this box starts it and it
	 * listens on 127.0.0.1, so a pool silent since it (re)started died with the
	 * box and is released at once, not after deadAfterSeconds (decision 024).
	 */
	embeddedDatabase: boolean
}

export type Heartbeat = {
	/** Beat and sweep now (also runs every intervalSeconds). */
	tick(): Promise<void>
	/** Stops beating and sweeping; rows of pools still alive are left to go stale. */
	stop(): Promise<void>
}

// Only one process sweeps at a time, so each release is logged once.
const SWEEP_LOCK = 7263541

const heartbeatLog = log.child({ component: 'heartbeat' })

export function startHeartbeat(events: WorkerEvents, options: HeartbeatOptions): Heartbeat {
	const pools = new Set<string>()
	const identity = { hostname: os.hostname(), pid: process.pid }
	let running: Promise<void> | undefined
	let stopped = false

	events.on('pool:create', ({ workerPool }) => {
		pools.add(workerPool.id)
		// At once: a pool may lock a job before the next tick.
		beat([workerPool.id], identity).catch((error: unknown) =>
			heartbeatLog.warn({ err: error }, 'Heartbeat failed'),
		)
	})
	events.on('pool:release', ({ workerPool }) => {
		pools.delete(workerPool.id)
		// A clean stop leaves no row; a failed delete just goes stale and is swept.
		void db
			.delete(workerHeartbeats)
			.where(eq(workerHeartbeats.workerId, workerPool.id))
			.catch((error: unknown) => heartbeatLog.warn({ err: error }, 'Could not remove heartbeat'))
	})

	// After an outage every heartbeat is stale, live workers' too: once back,
	// give them deadAfterSeconds to beat again before judging anyone dead.
	let lostDatabase = false
	let backSince = 0
	const tick = async () => {
		try {
			await beat([...pools], identity)
			if (lostDatabase) {
				lostDatabase = false
				backSince = Date.now()
			}
			const heartbeatsFresh = Date.now() - backSince >= options.deadAfterSeconds * 1000
			if (!heartbeatsFresh && !options.embeddedDatabase) return
			await releaseDeadWorkers({
				deadAfterSeconds: heartbeatsFresh ? options.deadAfterSeconds : undefined,
				silentSinceDatabaseStart: options.embeddedDatabase,
			})
		} catch (error) {
			// The database may be down; the next beat tries again.
			lostDatabase = true
			heartbeatLog.warn({ err: error }, 'Heartbeat failed')
		}
	}
	// Ticks never overlap: a slow database must not pile them up.
	const runTick = () => (running ??= tick().finally(() => (running = undefined)))
	const timer = setInterval(() => void runTick(), options.intervalSeconds * 1000)

	return {
		tick: runTick,
		async stop() {
			if (stopped) return
			stopped = true
			clearInterval(timer)
			await running
		},
	}
}

async function beat(poolIds: string[], identity: { hostname: string; pid: number }) {
	if (poolIds.length === 0) return
	await db
		.insert(workerHeartbeats)
		.values(poolIds.map((workerId) => ({ workerId, ...identity })))
		.onConflictDoUpdate({ target: workerHeartbeats.workerId, set: { lastSeenAt: sql`now()` } })
}

type DeadWorker = { worker_id: string; jobs: number; exhausted: number; last_seen_at: Date | null }

export type SweepRules = {
	/** Dead when silent this long; undefined: not judged by heartbeat age (just after an outage). */
	deadAfterSeconds?: number
	/** Dead when silent since the database server started (the embedded PostgreSQL only). */
	silentSinceDatabaseStart?: boolean
}

/**
 * Releases the jobs of worker pools that went silent, by the rules given: a
 * pool's last sign of life is its heartbeat, or (never having written one) its
 * most recent lock. Deletes the heartbeat rows of pools found dead that way.
 * Database time throughout, so clocks on different machines do not matter.
 */
export async function releaseDeadWorkers(rules: SweepRules): Promise<DeadWorker[]> {
	if (rules.deadAfterSeconds === undefined && !rules.silentSinceDatabaseStart) return []
	const { dead, stale } = await db.transaction(async (tx) => {
		const [lock] = await tx.execute<{ locked: boolean }>(
			sql`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as locked`,
		)
		if (!lock?.locked) return { dead: [], stale: [] }
		const cutoff = deathCutoff(rules)
		const dead = [
			...(await tx.execute<DeadWorker>(sql`
			with locks as (
				select locked_by as worker_id, locked_at from graphile_worker._private_jobs
				where locked_by is not null
				union all
				select locked_by, locked_at from graphile_worker._private_job_queues
				where locked_by is not null
			), dead as (
				select l.worker_id, h.last_seen_at
				from locks l left join worker_heartbeats h on h.worker_id = l.worker_id
				group by l.worker_id, h.last_seen_at
				having coalesce(h.last_seen_at, max(l.locked_at)) < ${cutoff}
			)
			select d.worker_id, d.last_seen_at,
				count(j.id)::int as jobs,
				(count(j.id) filter (where j.attempts >= j.max_attempts))::int as exhausted
			from dead d left join graphile_worker._private_jobs j on j.locked_by = d.worker_id
			group by d.worker_id, d.last_seen_at`)),
		]
		if (dead.length > 0) {
			const ids = sql.join(
				dead.map((row) => sql`${row.worker_id}`),
				sql`, `,
			)
			await tx.execute(sql`select graphile_worker.force_unlock_workers(array[${ids}]::text[])`)
			// Released jobs are due at once; wake idle workers instead of waiting for their poll.
			await tx.execute(
				sql`select pg_notify('jobs:insert', json_build_object('count', ${total(dead, 'jobs')}::int)::text)`,
			)
		}
		const stale = await tx
			.delete(workerHeartbeats)
			.where(sql`${workerHeartbeats.lastSeenAt} < ${cutoff}`)
			.returning({ workerId: workerHeartbeats.workerId })
		return { dead, stale }
	})
	logSweep(dead, stale, rules)
	return dead
}

/**
 * Silent since before this instant means dead. A restarted embedded PostgreSQL
 * outranks the heartbeat age: every pool from before its start died with the box.
 */
function deathCutoff({ deadAfterSeconds, silentSinceDatabaseStart }: SweepRules) {
	const never = sql`'-infinity'::timestamptz`
	const byHeartbeat =
		deadAfterSeconds === undefined ? never : sql`now() - make_interval(secs => ${deadAfterSeconds})`
	const byRestart = silentSinceDatabaseStart ? sql`pg_postmaster_start_time()` : never
	return sql`greatest(${byHeartbeat}, ${byRestart})`
}

const total = (rows: DeadWorker[], field: 'jobs' | 'exhausted') =>
	rows.reduce((sum, row) => sum + row[field], 0)

function logSweep(dead: DeadWorker[], stale: Array<{ workerId: string }>, rules: SweepRules) {
	const workerIds = dead.map((row) => row.worker_id)
	if (dead.length > 0) {
		heartbeatLog.warn(
			{ workerIds, jobs: total(dead, 'jobs'), ...rules, workers: dead },
			'Released the jobs of dead workers',
		)
	}
	if (total(dead, 'exhausted') > 0) {
		// Their attempts are used up: graphile-worker will not run them again.
		heartbeatLog.error(
			{ workerIds, jobs: total(dead, 'exhausted') },
			'Released jobs had used their last attempt and will not run again',
		)
	}
	if (stale.length > 0) {
		heartbeatLog.info({ workerIds: stale.map((row) => row.workerId) }, 'Removed stale heartbeats')
	}
}
