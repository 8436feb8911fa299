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
			if (Date.now() - backSince < options.deadAfterSeconds * 1000) return
			await releaseDeadWorkers(options.deadAfterSeconds)
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

/**
 * Releases the jobs of worker pools whose heartbeat is older than
 * deadAfterSeconds, or that never wrote one and hold nothing locked more
 * recently than that, and deletes stale heartbeat rows. Database time
 * throughout, so clocks on different machines do not matter.
 */
export async function releaseDeadWorkers(deadAfterSeconds: number): Promise<DeadWorker[]> {
	const { dead, stale } = await db.transaction(async (tx) => {
		const [lock] = await tx.execute<{ locked: boolean }>(
			sql`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as locked`,
		)
		if (!lock?.locked) return { dead: [], stale: [] }
		const cutoff = sql`now() - make_interval(secs => ${deadAfterSeconds})`
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
	logSweep(dead, stale, deadAfterSeconds)
	return dead
}

const total = (rows: DeadWorker[], field: 'jobs' | 'exhausted') =>
	rows.reduce((sum, row) => sum + row[field], 0)

function logSweep(
	dead: DeadWorker[],
	stale: Array<{ workerId: string }>,
	deadAfterSeconds: number,
) {
	const workerIds = dead.map((row) => row.worker_id)
	if (dead.length > 0) {
		heartbeatLog.warn(
			{ workerIds, jobs: total(dead, 'jobs'), deadAfterSeconds, workers: dead },
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
