import { sql } from 'drizzle-orm'
import client from 'prom-client'
import { db } from './db.server'

// One registry per process (web and worker each expose theirs). Queue gauges
// are read from graphile-worker's tables at scrape time, so any process
// reports the same truth.
//
// The web process loads this module twice (the express server through tsx and
// the Remix build), but prom-client once: so the registry is prom-client's
// global one, and each metric is created only if the other copy has not.

export const registry = client.register

function once<T extends client.Metric>(name: string, create: () => T): T {
	return (registry.getSingleMetric(name) as T | undefined) ?? create()
}

if (!registry.getSingleMetric('darkroom_process_cpu_user_seconds_total')) {
	client.collectDefaultMetrics({ register: registry, prefix: 'darkroom_' })
}

export const httpRequestDuration = once(
	'darkroom_http_request_duration_seconds',
	() =>
		new client.Histogram({
			name: 'darkroom_http_request_duration_seconds',
			// `route` is the matched route's pattern (server/web.ts), never the raw path.
			help: 'HTTP requests by route pattern, method and status.',
			labelNames: ['route', 'method', 'status'] as const,
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
			registers: [registry],
		}),
)

export const uploadBytes = once(
	'darkroom_upload_bytes_total',
	() =>
		new client.Counter({
			name: 'darkroom_upload_bytes_total',
			help: 'Bytes of accepted uploads.',
			registers: [registry],
		}),
)

export const jobDuration = once(
	'darkroom_job_duration_seconds',
	() =>
		new client.Histogram({
			name: 'darkroom_job_duration_seconds',
			help: 'Job run time by task and outcome (success, failure).',
			labelNames: ['task', 'outcome'] as const,
			buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
			registers: [registry],
		}),
)

export const aiTokens = once(
	'darkroom_ai_tokens_total',
	() =>
		new client.Counter({
			name: 'darkroom_ai_tokens_total',
			help: 'AI tokens by model and direction (input, output).',
			labelNames: ['model', 'direction'] as const,
			registers: [registry],
		}),
)

export const aiCost = once(
	'darkroom_ai_cost_usd_total',
	() =>
		new client.Counter({
			name: 'darkroom_ai_cost_usd_total',
			help: 'AI cost in US dollars by model.',
			labelNames: ['model'] as const,
			registers: [registry],
		}),
)

export const jobRetries = once(
	'darkroom_job_retries_total',
	() =>
		new client.Counter({
			name: 'darkroom_job_retries_total',
			help: 'Job runs that failed and will run again (attempts left), by task.',
			labelNames: ['task'] as const,
			registers: [registry],
		}),
)

export const aiFailures = once(
	'darkroom_ai_failures_total',
	() =>
		new client.Counter({
			name: 'darkroom_ai_failures_total',
			// reason: analysis (the provider's answer was refused or unusable), missing (no optimized copy), error (anything else; retried).
			help: 'Failed AI analyses by reason (analysis, missing, error).',
			labelNames: ['reason'] as const,
			registers: [registry],
		}),
)

once(
	'darkroom_queue_depth',
	() =>
		new client.Gauge({
			name: 'darkroom_queue_depth',
			help: 'Jobs waiting to run (not locked, due), by task.',
			labelNames: ['task'] as const,
			registers: [registry],
			async collect() {
				this.reset()
				const rows = await db.execute<{ task: string; waiting: number }>(sql`
			select task_identifier as task, count(*)::int as waiting
			from graphile_worker.jobs
			where locked_at is null and run_at <= now() and attempts < max_attempts
			group by task_identifier`)
				for (const row of rows) this.set({ task: row.task }, row.waiting)
			},
		}),
)

once(
	'darkroom_queue_oldest_waiting_seconds',
	() =>
		new client.Gauge({
			name: 'darkroom_queue_oldest_waiting_seconds',
			help: 'Age of the oldest job waiting to run, by task.',
			labelNames: ['task'] as const,
			registers: [registry],
			async collect() {
				this.reset()
				const rows = await db.execute<{ task: string; age: number }>(sql`
			select task_identifier as task, extract(epoch from now() - min(run_at))::float as age
			from graphile_worker.jobs
			where locked_at is null and run_at <= now() and attempts < max_attempts
			group by task_identifier`)
				for (const row of rows) this.set({ task: row.task }, row.age)
			},
		}),
)

once(
	'darkroom_backup_last_success_timestamp_seconds',
	() =>
		new client.Gauge({
			name: 'darkroom_backup_last_success_timestamp_seconds',
			help: 'When the last successful backup finished (Unix time); 0 before the first.',
			registers: [registry],
			async collect() {
				const [row] = await db.execute<{ at: number | null }>(sql`
			select extract(epoch from max(finished_at))::float as at
			from backup_runs where outcome = 'succeeded'`)
				this.set(row?.at ?? 0)
			},
		}),
)

export const renditionsMade = once(
	'darkroom_renditions_made_total',
	() =>
		new client.Counter({
			name: 'darkroom_renditions_made_total',
			help: 'Renditions encoded (cache misses that rendered), by format; a single flight counts once.',
			labelNames: ['format'] as const,
			registers: [registry],
		}),
)

export const renditionRequests = once(
	'darkroom_rendition_requests_total',
	() =>
		new client.Counter({
			name: 'darkroom_rendition_requests_total',
			help: 'Rendition requests answered, by result: hit, miss (made or waited for), not-modified.',
			labelNames: ['result'] as const,
			registers: [registry],
		}),
)
