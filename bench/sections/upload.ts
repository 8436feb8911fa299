import type { Context, Row, SectionResult } from '../lib/context'
import {
	closedLoop,
	distinctJpegUploads,
	type LoadResult,
	register,
	request,
	type Upload,
} from '../lib/http'
import { type BenchImage, oneMegabyteJpeg, twelveMegapixelJpeg } from '../lib/images'
import { cpuMeter } from '../lib/proc'
import { startWeb } from '../lib/processes'
import { round, summarize } from '../lib/stats'

// Upload API: 1 MB uploads from 32 concurrent clients against the same web
// process answering GET /api/health under the same concurrency, alternating
// in rounds; then 12 MP (≈ 4 MB) uploads the same way, so the web's CPU per
// upload can be told apart by size. No worker runs: its CPU use would land on
// the web's two cores and blur what the web process itself can take; jobs
// simply queue.

export async function upload(ctx: Context): Promise<SectionResult> {
	const { uploadSeconds: seconds, uploadRounds: rounds, uploadClients: clients } = ctx.options.sizes
	const app = await ctx.openApp('upload')
	const web = await startWeb(app.env)
	try {
		const { token } = await register(web.baseUrl)
		const photo = await oneMegabyteJpeg()
		const large = await twelveMegapixelJpeg()
		// Every upload new bytes, as in real use: a repeat would take the duplicate path.
		const body = distinctJpegUploads(photo.bytes, photo.name)
		const largeBody = distinctJpegUploads(large.bytes, large.name)
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
		const uploads = (upload: DistinctUploads) =>
			metered(() =>
				closedLoop(
					clients,
					seconds,
					() => upload(uploadRequest),
					(r) => r.status === 202,
				),
			)
		const healthRequest = () => request(web.baseUrl, { path: '/api/health' })
		const uploadRequest = (upload: Upload) =>
			request(web.baseUrl, {
				method: 'POST',
				path: '/api/images',
				token,
				headers: { 'content-type': upload.contentType },
				body: upload.body,
			})

		ctx.log('warm-up: health, 1 MB and 12 MP uploads, 2 s each')
		await closedLoop(clients, 2, healthRequest, () => true)
		await closedLoop(
			clients,
			2,
			() => body(uploadRequest),
			() => true,
		)
		await closedLoop(
			clients,
			2,
			() => largeBody(uploadRequest),
			() => true,
		)
		const healthRuns: Metered[] = []
		const uploadRuns: Metered[] = []
		const largeRuns: Metered[] = []
		for (let r = 0; r < rounds; r++) {
			ctx.log(`round ${r + 1}: ${clients} clients × ${seconds} s, health, 1 MB and 12 MP uploads`)
			if (r % 2 === 0) {
				healthRuns.push(await health())
				uploadRuns.push(await uploads(body))
				largeRuns.push(await uploads(largeBody))
			} else {
				largeRuns.push(await uploads(largeBody))
				uploadRuns.push(await uploads(body))
				healthRuns.push(await health())
			}
		}
		return report(merge(uploadRuns), merge(largeRuns), merge(healthRuns), {
			clients,
			seconds,
			rounds,
			photo,
			large,
		})
	} finally {
		await web.stop()
	}
}

type DistinctUploads = ReturnType<typeof distinctJpegUploads>

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

/** Web CPU per MiB uploaded: at most this many ms (issue "performance to the limit"). */
const WEB_MS_PER_MIB_TARGET = 8

function report(
	uploads: ReturnType<typeof merge>,
	large: ReturnType<typeof merge>,
	health: ReturnType<typeof merge>,
	meta: { clients: number; seconds: number; rounds: number; photo: BenchImage; large: BenchImage },
): SectionResult {
	const ms = (value: number) => `${value.toFixed(1)} ms`
	const mib = (image: BenchImage) => image.bytes.length / 1024 / 1024
	const size = `${mib(meta.photo).toFixed(2)} MiB`
	const largeSize = `${mib(meta.large).toFixed(2)} MiB`
	const perMib = [
		uploads.webCpuMsPerRequest / mib(meta.photo),
		large.webCpuMsPerRequest / mib(meta.large),
	]
	// What one more MiB costs once the per-request work (auth, rows, job) is paid.
	const marginal =
		(large.webCpuMsPerRequest - uploads.webCpuMsPerRequest) / (mib(meta.large) - mib(meta.photo))
	const webRow = (upload: ReturnType<typeof merge>, label: string): Row => ({
		section: 'Upload API',
		metric: `web CPU ms per upload, ${label} (PostgreSQL ${upload.postgresCpuMsPerRequest.toFixed(1)} ms apart; ${upload.perSecond.toFixed(1)} uploads/s)`,
		value: upload.webCpuMsPerRequest.toFixed(1),
		reference: `${health.webCpuMsPerRequest.toFixed(2)} health`,
		ratio: upload.webCpuMsPerRequest / health.webCpuMsPerRequest,
		target: 'info',
		pass: upload.errors === 0 ? null : false,
	})
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
		webRow(uploads, `${size} JPEG (2048×1536)`),
		webRow(large, `12 MP JPEG (4000×3000, ${largeSize})`),
		{
			section: 'Upload API',
			// Both sizes must meet it: the small file shows the per-request cost, the large one the per-byte cost.
			metric: `web CPU ms per MiB uploaded, ${size} / ${largeSize} JPEG`,
			value: perMib.map((v) => v.toFixed(1)).join(' / '),
			reference: `${marginal.toFixed(1)} marginal`,
			ratio: null,
			target: `≤ ${WEB_MS_PER_MIB_TARGET} ms`,
			pass: Math.max(...perMib) <= WEB_MS_PER_MIB_TARGET,
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
	return {
		rows,
		data: {
			clients: meta.clients,
			seconds: meta.seconds,
			rounds: meta.rounds,
			bytes: meta.photo.bytes.length,
			largeBytes: meta.large.bytes.length,
			webCpuMsPerMiB: perMib.map((v) => round(v, 2)),
			webCpuMsPerMarginalMiB: round(marginal, 2),
			uploads: rounded(uploads),
			largeUploads: rounded(large),
			health: rounded(health),
		},
	}
}
