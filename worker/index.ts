import { EventEmitter } from 'node:events'
import { sql } from 'drizzle-orm'
import {
	Logger,
	run,
	type LogLevel,
	type Runner,
	type TaskList,
	type WorkerEvents,
	type WorkerPool,
} from 'graphile-worker'
import { config } from '#app/config.server'
import { databaseUrl, db } from '#app/db.server'
import type { TaskHandlers } from '#app/jobs/tasks.server'
import { log } from '#app/log.server'
import { startTracing, stopTracing } from '#app/tracing.server'
import { crontab, maintenanceTasks } from './crontab'
import { startHeartbeat } from './heartbeat'
import { recordJobMetrics, serveWorkerMetrics } from './metrics'
import { analyzeImageTask } from './tasks/analyze-image'
import { deliverWebhookTask } from './tasks/deliver-webhook'
import { embedImageTask } from './tasks/embed-image'
import { hashImageTask } from './tasks/hash-image'
import { processImageTask } from './tasks/process-image'
import { reencryptWebhookSecrets } from '#app/webhooks/secrets.server'

const graphileLogger = new Logger((scope) => {
	const child = log.child({ graphile: scope })
	return (level: LogLevel, message: string, meta?: unknown) => {
		const method = level === 'warning' ? 'warn' : level
		child[method]({ meta }, message)
	}
})

export type WorkerHandle = {
	/**
	 * Stops taking jobs and waits up to `graceMs` for running ones; whatever
	 * is still running then goes back to the queue (unlocked, retried later).
	 */
	stop(graceMs: number): Promise<{ released: number }>
	/** Settles when every runner has stopped, for whatever reason. */
	promise: Promise<void>
}

/**
 * Webhook deliveries at once per worker process: mostly waiting on other
 * servers (10 s at most each). One webhook's deliveries run one at a time
 * (a queue per webhook, decision 006), so one endpoint holds one slot at most.
 */
const WEBHOOK_CONCURRENCY = 4

/** A runner's tasks, under the names the registry gives them (a typo does not compile). */
const tasks = (handlers: Partial<TaskHandlers>): TaskList => handlers

/**
 * Runners in one process, each fetching only its own tasks: slow AI calls
 * fill AI_CONCURRENCY slots and can never take the slots thumbnails need,
 * slow webhook endpoints only hold up other deliveries, and maintenance
 * (crontab) runs beside them all.
 */
export async function startWorker(): Promise<WorkerHandle> {
	// One emitter for all runners; it must exist before run() so pool:create is seen.
	const events = new EventEmitter() as WorkerEvents
	const pools = trackPools(events)
	startTracing('darkroom-worker')
	recordJobMetrics(events)
	const metricsServer = serveWorkerMetrics()
	const heartbeat = startHeartbeat(events, {
		intervalSeconds: config.workerHeartbeatSeconds,
		deadAfterSeconds: config.workerDeadAfterSeconds,
		embeddedDatabase: config.databaseUrl === undefined,
	})
	const common = {
		connectionString: databaseUrl,
		// server/start.ts handles signals, to shut down in order.
		noHandleSignals: true,
		pollInterval: 2000,
		logger: graphileLogger,
		events,
		// Tasks that honour helpers.abortSignal are asked to stop when the grace period ends, not after 5 s.
		gracefulShutdownAbortTimeout: config.shutdownGraceSeconds * 1000,
		// Unbatched, a job finishing during a graceful stop is marked complete
		// fire-and-forget and can lose the race with the pool closing, staying
		// locked. Batched (delay 0), the stop waits for the write.
		preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
	}
	// Runners without a schedule: an empty list, else graphile looks for a ./crontab file.
	const noCron = { parsedCronItems: [] }
	// A runner holds its LISTEN and at most one connection per slot at a time
	// (fetching or completing a job); graphile's default pool of 10 per runner
	// would let four runners take 40. Past the cap a query waits for a
	// connection, it does not fail (docs/scaling.md counts the budget).
	const slots = (concurrency: number) => ({ concurrency, maxPoolSize: concurrency + 1 })
	const runners: Runner[] = [
		await run({
			...common,
			...noCron,
			...slots(config.workerConcurrency),
			// hash-image reads a thumbnail and hashes it: image work, in the same slots.
			taskList: tasks({ 'process-image': processImageTask, 'hash-image': hashImageTask }),
		}),
	]
	if (config.ai.provider !== 'none') {
		runners.push(
			await run({
				...common,
				...noCron,
				...slots(config.ai.concurrency),
				// Search embeddings share the AI slots: they are AI calls too.
				taskList: tasks({ 'analyze-image': analyzeImageTask, 'embed-image': embedImageTask }),
			}),
		)
	}
	runners.push(
		await run({
			...common,
			...noCron,
			...slots(WEBHOOK_CONCURRENCY),
			taskList: tasks({ 'deliver-webhook': deliverWebhookTask }),
		}),
	)
	if (Object.keys(maintenanceTasks).length > 0) {
		runners.push(await run({ ...common, ...slots(1), taskList: maintenanceTasks, crontab }))
	}
	log.info(
		{
			concurrency: config.workerConcurrency,
			aiProvider: config.ai.provider,
			aiConcurrency: config.ai.concurrency,
			workerIds: [...pools.keys()],
			heartbeatSeconds: config.workerHeartbeatSeconds,
			deadAfterSeconds: config.workerDeadAfterSeconds,
		},
		'Worker started',
	)
	// Sweep once at start: jobs a crashed predecessor left locked run again now.
	void heartbeat.tick()
	if (config.previousSecretKey) void reencryptSecretsUnderCurrentKey()
	const promise = Promise.all(runners.map((runner) => runner.promise)).then(() => {})
	const poolIds = [...pools.keys()]
	let stopping: Promise<{ released: number }> | undefined
	const stop = async (graceMs: number) => {
		const result = await stopRunners(runners, pools, graceMs)
		const leftover = await unlockLeftovers(poolIds)
		await heartbeat.stop()
		await Promise.all([metricsServer.close(), stopTracing()])
		const released = result.released + leftover
		log.info({ released }, 'Worker stopped')
		return { released }
	}
	return {
		stop: (graceMs) => (stopping ??= stop(graceMs)),
		promise,
	}
}

/** The live pools by id: graphile-worker has no other way to reach them from a Runner. */
function trackPools(events: WorkerEvents) {
	const pools = new Map<string, WorkerPool>()
	events.on('pool:create', ({ workerPool }) => void pools.set(workerPool.id, workerPool))
	events.on('pool:release', ({ workerPool }) => void pools.delete(workerPool.id))
	return pools
}

async function stopRunners(
	runners: Runner[],
	pools: Map<string, WorkerPool>,
	graceMs: number,
): Promise<{ released: number }> {
	// No new jobs from here on; running ones get graceMs.
	log.info({ graceSeconds: graceMs / 1000 }, 'Worker stopping')
	// runner.stop() is graphile's graceful shutdown: stop fetching, wait for
	// running jobs however long they take. Bound it by the grace period.
	const graceful = Promise.all(runners.map((runner) => runner.stop()))
	let timer: NodeJS.Timeout | undefined
	const timedOut = await Promise.race([
		graceful.then(() => false),
		new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
	])
	clearTimeout(timer)
	let released = 0
	if (timedOut) {
		// forcefulShutdown fails the running jobs back to the queue (unlocked, run
		// again after a short backoff) instead of leaving them locked for 4 hours.
		const results = await Promise.allSettled(
			[...pools.values()].map((pool) =>
				pool.forcefulShutdown(`Not finished within SHUTDOWN_GRACE_SECONDS (${graceMs / 1000} s)`),
			),
		)
		const jobs = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.forceFailedJobs : []))
		released = jobs.length
		log.warn(
			{ count: released, jobs: jobs.map((job) => ({ id: job.id, task: job.task_identifier })) },
			'Released unfinished jobs back to the queue',
		)
		for (const failure of results.filter((r) => r.status === 'rejected')) {
			log.error({ err: failure.reason }, 'Could not release a worker pool')
		}
	}
	return { released }
}

/** Whatever our pools still hold once they are stopped goes back to the queue: a stop never leaves a lock. */
async function unlockLeftovers(poolIds: string[]): Promise<number> {
	try {
		const ids = sql.join(
			poolIds.map((id) => sql`${id}`),
			sql`, `,
		)
		const locked = await db.execute<{ id: string; task: string }>(sql`
			select id, task_identifier as task from graphile_worker.jobs
			where locked_by = any(array[${ids}]::text[])`)
		if (locked.length === 0) return 0
		await db.execute(sql`select graphile_worker.force_unlock_workers(array[${ids}]::text[])`)
		log.warn({ workerIds: poolIds, jobs: [...locked] }, 'Unlocked jobs left locked after stopping')
		return locked.length
	} catch (error) {
		// The heartbeat sweep of another worker releases them later.
		log.error({ err: error }, 'Could not check for jobs left locked')
		return 0
	}
}

/** SECRET_KEY was rotated: move webhook secrets to the new key, so the previous one can go. */
async function reencryptSecretsUnderCurrentKey() {
	try {
		const { reencrypted, unreadable } = await reencryptWebhookSecrets()
		if (reencrypted) log.info({ reencrypted }, 'Webhook secrets re-encrypted under SECRET_KEY')
		if (unreadable.length) {
			log.warn(
				{ webhookIds: unreadable },
				'Webhook secrets that open under neither SECRET_KEY nor SECRET_KEY_PREVIOUS: those webhooks cannot be delivered; re-create them',
			)
		}
	} catch (error) {
		log.error({ err: error }, 'Could not re-encrypt webhook secrets; will try at the next start')
	}
}
