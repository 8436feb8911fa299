import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { freePort } from '#db/embedded'
import {
	api,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'

// One upload seen end to end by an operator: its request id in the web and
// worker logs, /metrics on both processes, and one trace from the upload
// through the job, received by a local OTLP/HTTP collector.

type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string }
const spans: Array<Span & { service: string }> = []

const collector = http.createServer((req, res) => {
	let body = ''
	req.on('data', (chunk) => (body += chunk))
	req.on('end', () => {
		const data = JSON.parse(body) as {
			resourceSpans: Array<{
				resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
				scopeSpans: Array<{ spans: Span[] }>
			}>
		}
		for (const resource of data.resourceSpans) {
			const service =
				resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? ''
			for (const scope of resource.scopeSpans) {
				for (const span of scope.spans) spans.push({ ...span, service })
			}
		}
		res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')
	})
})

const METRICS_TOKEN = 'metrics-token-for-tests'
let web: WebProcess
let worker: AppProcess
let workerMetricsPort: number

beforeAll(async () => {
	await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
	const { port } = collector.address() as AddressInfo
	workerMetricsPort = await freePort()
	const env = {
		OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
		METRICS_TOKEN,
		WORKER_METRICS_PORT: String(workerMetricsPort),
	}
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	collector.close()
})

test('an upload is followed by its request id, metrics and one trace through its job', async () => {
	const { token } = await register(web.baseUrl)
	const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'traced.jpg', {
		'X-Request-Id': 'req-observability-1',
	})
	expect(response.status).toBe(202)
	expect(response.headers.get('x-request-id')).toBe('req-observability-1')
	const { id } = (await response.json()) as { id: string }
	await waitForTerminal(web.baseUrl, token, id)
	await api(web.baseUrl, `/api/images/${id}`, { token })

	// Logs: the web's request line and the worker's job lines carry the same id.
	expect(
		web.logs().some((l) => l.requestId === 'req-observability-1' && l.path === '/api/images'),
	).toBe(true)
	const jobLines = worker.logs().filter((l) => l.imageId === id)
	expect(jobLines.length).toBeGreaterThan(0)
	expect(jobLines.every((l) => l.requestId === 'req-observability-1')).toBe(true)

	// Web metrics, behind the token.
	expect((await fetch(`${web.baseUrl}/metrics`)).status).toBe(401)
	const webMetrics = await (
		await fetch(`${web.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })
	).text()
	expect(webMetrics).toMatch(
		/darkroom_http_request_duration_seconds_count\{route="\/api\/images\/:id",method="GET",status="200"\} [1-9]/,
	)
	expect(webMetrics).toMatch(/darkroom_upload_bytes_total [1-9]\d*/)
	expect(webMetrics).toContain('darkroom_queue_oldest_waiting_seconds')
	expect(webMetrics).toContain('darkroom_process_resident_memory_bytes')

	// Worker metrics on its own port.
	const workerMetrics = await (
		await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`, {
			headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
		})
	).text()
	expect(workerMetrics).toMatch(
		/darkroom_job_duration_seconds_count\{task="process-image",outcome="success"\} 1/,
	)

	// Tracing: the upload span and the job span share one trace.
	await expect.poll(() => spans.map((s) => s.name), { timeout: 15_000 }).toContain('process-image')
	const upload = spans.find((s) => s.name === 'upload' && s.service === 'darkroom-web')
	const job = spans.find((s) => s.name === 'process-image' && s.service === 'darkroom-worker')
	expect(upload).toBeDefined()
	expect(job?.traceId).toBe(upload!.traceId)
	expect(job?.parentSpanId).toBe(upload!.spanId)
})
