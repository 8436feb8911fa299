import http from 'node:http'
import type { WorkerEvents } from 'graphile-worker'
import { config } from '#app/config.server'
import { log } from '#app/log.server'
import { metricsRequestAllowed, warnIfMetricsPublic } from '#app/metrics-access.server'
import { jobDuration, registry } from '#app/metrics.server'

/** Job duration and outcome per task, from graphile-worker's events. */
export function recordJobMetrics(events: WorkerEvents) {
	const started = new Map<string, number>()
	events.on('job:start', ({ job }) => void started.set(job.id, performance.now()))
	events.on('job:complete', ({ job, error }) => {
		const start = started.get(job.id)
		started.delete(job.id)
		if (start === undefined) return
		jobDuration.observe(
			{ task: job.task_identifier, outcome: error ? 'failure' : 'success' },
			(performance.now() - start) / 1000,
		)
	})
}

/**
 * The worker's own /metrics (it has no web server), on loopback unless
 * WORKER_METRICS_HOST says otherwise. A second worker on the same box finds
 * the port taken: it logs that and runs on without it.
 */
export function serveWorkerMetrics(): { close(): Promise<void> } {
	if (config.workerMetricsPort === 0) return { close: async () => {} }
	const server = http.createServer(async (req, res) => {
		if (req.url !== '/metrics') return void res.writeHead(404).end()
		if (!metricsRequestAllowed(req.headers.authorization)) {
			return void res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end()
		}
		res.writeHead(200, { 'Content-Type': registry.contentType })
		res.end(await registry.metrics())
	})
	server.on('error', (error) => {
		log.warn({ err: error, port: config.workerMetricsPort }, 'Worker metrics port unavailable')
	})
	server.listen(config.workerMetricsPort, config.workerMetricsHost)
	warnIfMetricsPublic('worker')
	return { close: () => new Promise((resolve) => server.close(() => resolve())) }
}
