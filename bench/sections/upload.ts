import type { Context, Row, SectionResult } from '../lib/context'
import { closedLoop, type LoadResult, multipart, register, request } from '../lib/http'
import { oneMegabyteJpeg } from '../lib/images'
import { cpuMeter } from '../lib/proc'
import { startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'

// Upload API: 1 MB uploads from 32 concurrent clients against the same web
// process answering GET /api/health under the same concurrency, alternating
// in rounds. No worker runs: its CPU use would land on the web's two cores
// and blur what the web process itself can take; jobs simply queue.

export async function upload(ctx: Context): Promise<SectionResult> {
	const { uploadSeconds: seconds, uploadRounds: rounds, uploadClients: clients } = ctx.options.sizes
	const app = await ctx.openApp('upload')
	const web = await startWeb(app.env)
	try {
		const { token } = await register(web.baseUrl)
		const photo = await oneMegabyteJpeg()
		const body = multipart(photo.bytes, photo.name)
		// CPU of the web process and of PostgreSQL while each load runs, kept
		// apart: the capacity model (docs/scaling.md) sizes web replicas and the
		// database from them separately.
		const metered = async (run: () => Promise<LoadResult>): Promise<Metered> => {
			const webCpu = cpuMeter(() => [web.pid])
			const postgresCpu = cpuMeter(() => ctx.postgresPids())
			const result = await run()
			const webMs = webCpu()
			const postgresMs = postgresCpu()
			return { ...result, cpuMs: webMs + postgresMs, webCpuMs: webMs, postgresCpuMs: postgresMs }
		}
		const health = () =>
			metered(() => closedLoop(clients, seconds, healthRequest, (r) => r.status === 200))
		const uploads = () =>
			metered(() => closedLoop(clients, seconds, uploadRequest, (r) => r.status === 202))
		const healthRequest = () => request(web.baseUrl, { path: '/api/health' })
		const uploadRequest = () =>
			request(web.baseUrl, {
				method: 'POST',
				path: '/api/images',
				token,
				headers: { 'content-type': body.contentType },
				body: body.body,
			})

		ctx.log('warm-up: health and uploads, 2 s each')
		await closedLoop(clients, 2, healthRequest, () => true)
		await closedLoop(clients, 2, uploadRequest, () => true)
		const healthRuns: Metered[] = []
		const uploadRuns: Metered[] = []
		for (let r = 0; r < rounds; r++) {
			ctx.log(`round ${r + 1}: ${clients} clients × ${seconds} s, health then 1 MB uploads`)
			if (r % 2 === 0) {
				healthRuns.push(await health())
				uploadRuns.push(await uploads())
			} else {
				uploadRuns.push(await uploads())
				healthRuns.push(await health())
			}
		}
		return report(merge(uploadRuns), merge(healthRuns), {
			clients,
			seconds,
			rounds,
			bytes: photo.bytes.length,
		})
	} finally {
		await web.stop()
	}
}

type Metered = LoadResult & { cpuMs: number; webCpuMs: number; postgresCpuMs: number }

function merge(runs: Metered[]) {
	const requests = runs.reduce((sum, r) => sum + r.requests, 0)
	const seconds = runs.reduce((sum, r) => sum + r.seconds, 0)
	return {
		requests,
		errors: runs.reduce((sum, r) => sum + r.errors, 0),
		firstError: runs.find((r) => r.firstError)?.firstError,
		perSecond: requests / seconds,
		cpuMsPerRequest: runs.reduce((sum, r) => sum + r.cpuMs, 0) / requests,
		webCpuMsPerRequest: runs.reduce((sum, r) => sum + r.webCpuMs, 0) / requests,
		postgresCpuMsPerRequest: runs.reduce((sum, r) => sum + r.postgresCpuMs, 0) / requests,
		latency: summarize(runs.flatMap((r) => r.latencies)),
	}
}

function report(
	uploads: ReturnType<typeof merge>,
	health: ReturnType<typeof merge>,
	meta: { clients: number; seconds: number; rounds: number; bytes: number },
): SectionResult {
	const ms = (value: number) => `${value.toFixed(1)} ms`
	const size = `${(meta.bytes / 1024 / 1024).toFixed(2)} MiB`
	const rows: Row[] = [
		{
			section: 'Upload API',
			metric: `requests/s, ${size} JPEG uploads, ${meta.clients} clients`,
			value: uploads.perSecond.toFixed(1),
			reference: `${health.perSecond.toFixed(1)} health`,
			ratio: uploads.perSecond / health.perSecond,
			target: 'info',
			pass: uploads.errors === 0 ? null : false,
		},
		{
			section: 'Upload API',
			metric: 'CPU ms per request (web + PostgreSQL)',
			value: uploads.cpuMsPerRequest.toFixed(1),
			reference: `${health.cpuMsPerRequest.toFixed(2)} health`,
			ratio: uploads.cpuMsPerRequest / health.cpuMsPerRequest,
			target: 'info',
			pass: null,
		},
		{
			section: 'Upload API',
			metric: `CPU ms per request, web / PostgreSQL (health: ${health.webCpuMsPerRequest.toFixed(2)} / ${health.postgresCpuMsPerRequest.toFixed(2)})`,
			value: `${uploads.webCpuMsPerRequest.toFixed(1)} / ${uploads.postgresCpuMsPerRequest.toFixed(1)}`,
			reference: `${health.cpuMsPerRequest.toFixed(2)} health`,
			ratio: null,
			target: 'info',
			pass: null,
		},
		{
			section: 'Upload API',
			// One busy core of the web process alone; what docs/scaling.md sizes web replicas by.
			metric: 'uploads/s per web core (1000 / web CPU ms per upload)',
			value: (1000 / uploads.webCpuMsPerRequest).toFixed(1),
			reference: `${(1000 / health.webCpuMsPerRequest).toFixed(0)} health`,
			ratio: health.webCpuMsPerRequest / uploads.webCpuMsPerRequest,
			target: 'info',
			pass: null,
		},
		{
			section: 'Upload API',
			metric: 'latency p50',
			value: ms(uploads.latency.p50),
			reference: `${ms(health.latency.p50)} health`,
			ratio: uploads.latency.p50 / health.latency.p50,
			target: 'info',
			pass: null,
		},
		{
			section: 'Upload API',
			metric: 'latency p99',
			value: ms(uploads.latency.p99),
			reference: `${ms(health.latency.p99)} health`,
			ratio: uploads.latency.p99 / health.latency.p99,
			target: 'info',
			pass: null,
		},
	]
	const rounded = (m: ReturnType<typeof merge>) => ({
		...m,
		perSecond: round(m.perSecond, 2),
		cpuMsPerRequest: round(m.cpuMsPerRequest, 3),
		webCpuMsPerRequest: round(m.webCpuMsPerRequest, 3),
		postgresCpuMsPerRequest: round(m.postgresCpuMsPerRequest, 3),
		latency: Object.fromEntries(Object.entries(m.latency).map(([k, v]) => [k, round(v, 2)])),
	})
	return { rows, data: { ...meta, uploads: rounded(uploads), health: rounded(health) } }
}
