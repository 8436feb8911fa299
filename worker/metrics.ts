import http from 'node:http'
import type { WorkerEvents } from 'graphile-worker'
import client from 'prom-client'
import { config } from '#app/config.server'
import { checkHealth } from '#app/http/health.server'
import { log } from '#app/log.server'
import { metricsRequestAllowed, warnIfMetricsPublic } from '#app/metrics-access.server'
import { jobDuration, jobRetries, registry } from '#app/metrics.server'

/** 1 while this worker runs jobs: "no worker alive" is its absence. */
const workerRunning = new client.Gauge({
	name: 'darkroom_worker_running',
	help: '1 while this worker process runs jobs.',
	registers: [registry],
})

/** Job duration, outcome and retries per task, from graphile-worker's events. */
export function recordJobMetrics(events: WorkerEvents) {
	workerRunning.set(1)
	events.on('worker:stop', () => workerRunning.set(0))
	events.on('job:error', ({ job }) => {
		if (job.attempts < job.max_attempts) jobRetries.inc({ task: job.task_identifier })
	})
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
 * WORKER_METRICS_HOST says otherwise, with the web server's probe paths:
 * /api/health/live (the process answers) and /api/health (readiness: the
 * database, storage and queue), untokened like the web's. A second worker on
 * the same box finds the port taken: it logs that and runs on without it.
 */
export function serveWorkerMetrics(): { close(): Promise<void> } {
	if (config.workerMetricsPort === 0) return { close: async () => {} }
	const server = http.createServer(async (req, res) => {
		const pathname = (req.url ?? '').split('?')[0]
		if (pathname === '/api/health/live') return sendJson(res, 200, { status: 'ok' })
		if (pathname === '/api/health') {
			const health = await checkHealth()
			return sendJson(res, health.status === 'ok' ? 200 : 503, health)
		}
		if (pathname !== '/metrics') return void res.writeHead(404).end()
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

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
	res.end(JSON.stringify(body))
}
