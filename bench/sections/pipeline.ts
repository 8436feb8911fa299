import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { type Context, type Row, type SectionResult, waitForImages } from '../lib/context'
import type { Sql } from '../lib/database'
import { multipart, register, type Upload, uploadImage } from '../lib/http'
import { type BenchImage, photoSet } from '../lib/images'
import { cpuMeter, loadedAllocator } from '../lib/proc'
import { runNode, runProgram, startWeb, startWorkers } from '../lib/processes'
import { round, since } from '../lib/stats'

// Pipeline efficiency: N photos through upload → job → worker → completed,
// against processImage alone in one process at the same concurrency, and
// against the same work done with Pillow in a pool of as many processes.
// Rounds alternate the order (raw, real, Pillow, then Pillow, real, raw) so a
// load spike from elsewhere on the machine does not always land on the same side.

/** Debian's python3 has PIL; the pyenv python3 on PATH may not. */
const PYTHON = '/usr/bin/python3'

const CONTENT_TYPES = {
	jpeg: 'image/jpeg',
	png: 'image/png',
	webp: 'image/webp',
	tiff: 'image/tiff',
} as const

type Round = {
	/** Images per second, and CPU-seconds per image of every process involved. */
	raw: number
	rawCpu: number
	real: number
	realCpu: number
	/** The real path's CPU split: web (upload, validation), worker, PostgreSQL. */
	webCpu: number
	workerCpu: number
	postgresCpu: number
	workerOnly: number
	/** Images per second and CPU-seconds per image of bench/pillow-pipeline.py; null when skipped. */
	pillow: number | null
	pillowCpu: number | null
}

export async function pipeline(ctx: Context): Promise<SectionResult> {
	const { pipelinePhotos: count, pipelineRounds: rounds } = ctx.options.sizes
	const concurrency = ctx.workerConcurrency
	ctx.log(`generating ${count} photos`)
	const photos = await photoSet(count)
	const files = writeInputs(ctx.scratch('pipeline'), photos)
	const uploads = photos.map((photo) => multipart(photo.bytes, photo.name))

	const app = await ctx.openApp('pipeline')
	const [web, workers] = await Promise.all([startWeb(app.env), startWorkers(1, app.env, app.sql)])
	try {
		const { token } = await register(web.baseUrl)
		// Warm-up: one photo of each format through the whole path first.
		const firstOfEach = [...new Map(photos.map((p, i) => [p.format, uploads[i]!])).values()]
		await uploadAll(web.baseUrl, token, firstOfEach, concurrency)
		await waitForImages(app.sql)
		const allocator = loadedAllocator(workers[0]!.pid)

		const runRaw = async (inputs = files) => {
			const output = await runNode(
				['bench/raw-pipeline.ts', JSON.stringify({ files: inputs, concurrency })],
				app.env,
				'raw pipeline',
			)
			return JSON.parse(output) as RawOutput
		}
		// No files: only the configured sizes, read by the app's own config, for Pillow.
		const { options: sizes } = await runRaw([])
		const pillowSkipped = pillowMissing()
		if (pillowSkipped) ctx.log(`Pillow reference ${pillowSkipped}`)
		const runPillow = async () => {
			if (pillowSkipped) return { pillow: null, pillowCpu: null }
			const output = await runProgram(
				PYTHON,
				['bench/pillow-pipeline.py', JSON.stringify({ files, concurrency, ...sizes })],
				app.env,
				'Pillow pipeline',
			)
			const result = JSON.parse(output) as { seconds: number; cpuSeconds: number }
			return { pillow: count / result.seconds, pillowCpu: result.cpuSeconds / count }
		}
		const raw = async () => {
			const { seconds, cpuSeconds } = await runRaw()
			return { raw: count / seconds, rawCpu: cpuSeconds / count }
		}
		const runReal = async () => {
			const webCpu = cpuMeter(() => [web.pid])
			const workerCpu = cpuMeter(() => [workers[0]!.pid])
			const postgresCpu = cpuMeter(() => ctx.postgresPids())
			const started = performance.now()
			const ids = await uploadAll(web.baseUrl, token, uploads, concurrency)
			await waitForImages(app.sql)
			const seconds = since(started) / 1000
			const perImage = (meter: () => number) => meter() / 1000 / count
			const split = {
				webCpu: perImage(webCpu),
				workerCpu: perImage(workerCpu),
				postgresCpu: perImage(postgresCpu),
			}
			return {
				real: count / seconds,
				realCpu: split.webCpu + split.workerCpu + split.postgresCpu,
				...split,
				workerOnly: count / (await workerSeconds(app.sql, ids)),
			}
		}
		const results: Round[] = []
		for (let r = 0; r < rounds; r++) {
			ctx.log(
				`round ${r + 1}: ${count} photos raw, through upload → worker and with Pillow, concurrency ${concurrency}`,
			)
			if (r % 2 === 0) {
				const rawRound = await raw()
				const realRound = await runReal()
				results.push({ ...rawRound, ...realRound, ...(await runPillow()) })
			} else {
				const pillowRound = await runPillow()
				const realRound = await runReal()
				results.push({ ...(await raw()), ...realRound, ...pillowRound })
			}
		}
		return report(results, { count, rounds, concurrency, photos, allocator, pillowSkipped })
	} finally {
		await Promise.all([web.stop(), ...workers.map((worker) => worker.stop())])
	}
}

type RawOutput = {
	seconds: number
	cpuSeconds: number
	options: { thumbnailMaxSize: number; optimizedMaxSize: number; maxInputPixels: number }
}

/** Why the Pillow reference cannot run here, or null when it can. */
function pillowMissing(): string | null {
	const probe = spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' })
	return probe.status === 0 ? null : 'skipped (no Pillow)'
}

function writeInputs(dir: string, photos: BenchImage[]) {
	return photos.map((photo) => {
		const file = path.join(dir, photo.name)
		fs.writeFileSync(file, photo.bytes)
		return { path: file, contentType: CONTENT_TYPES[photo.format] }
	})
}

/** Uploads every file, `clients` at a time, as fast as the server answers. */
export async function uploadAll(
	baseUrl: string,
	token: string,
	uploads: Upload[],
	clients: number,
): Promise<string[]> {
	const ids: string[] = []
	let next = 0
	const client = async () => {
		while (next < uploads.length) ids.push(await uploadImage(baseUrl, token, uploads[next++]!))
	}
	await Promise.all(Array.from({ length: clients }, client))
	return ids
}

/** The worker's share of the run, on the database clock: first claim to last completion. */
async function workerSeconds(sql: Sql, ids: string[]) {
	const [row] = await sql<{ seconds: number }[]>`
		select extract(epoch from max(processed_at) - min(processing_started_at))::float8 as seconds
		from images where id = any(${ids}::uuid[])`
	return row!.seconds
}

function report(
	results: Round[],
	meta: {
		count: number
		rounds: number
		concurrency: number
		photos: BenchImage[]
		allocator: string
		pillowSkipped: string | null
	},
): SectionResult {
	const mean = (pick: (r: Round) => number) =>
		results.reduce((sum, r) => sum + pick(r), 0) / results.length
	const raw = mean((r) => r.raw)
	const real = mean((r) => r.real)
	const workerOnly = mean((r) => r.workerOnly)
	const rawCpu = mean((r) => r.rawCpu)
	const realCpu = mean((r) => r.realCpu)
	const workerCpu = mean((r) => r.workerCpu)
	const webCpu = mean((r) => r.webCpu)
	const postgresCpu = mean((r) => r.postgresCpu)
	const pillow = meta.pillowSkipped ? null : mean((r) => r.pillow!)
	const pillowCpu = meta.pillowSkipped ? null : mean((r) => r.pillowCpu!)
	const mix = summarizeMix(meta.photos)
	const rows: Row[] = [
		{
			section: 'Pipeline',
			metric: `images/s, upload → completed (${meta.count} photos: ${mix}; ${meta.allocator})`,
			value: real.toFixed(2),
			reference: `${raw.toFixed(2)} raw`,
			ratio: real / raw,
			target: '≥ 0.95',
			pass: real / raw >= 0.95,
		},
		pillowRow(real, pillow, pillowCpu, meta),
		{
			section: 'Pipeline',
			metric: 'images/s, worker only (first claim → last completion, DB clock)',
			value: workerOnly.toFixed(2),
			reference: `${raw.toFixed(2)} raw`,
			ratio: workerOnly / raw,
			target: 'info',
			pass: null,
		},
		{
			section: 'Pipeline',
			metric: `CPU s/image, all processes (web ${webCpu.toFixed(3)} + worker ${workerCpu.toFixed(3)} + PostgreSQL ${postgresCpu.toFixed(3)})`,
			value: realCpu.toFixed(3),
			reference: `${rawCpu.toFixed(3)} raw`,
			ratio: realCpu / rawCpu,
			target: 'info',
			pass: null,
		},
		{
			section: 'Pipeline',
			metric: 'CPU s/image, worker process alone',
			value: workerCpu.toFixed(3),
			reference: `${rawCpu.toFixed(3)} raw`,
			ratio: workerCpu / rawCpu,
			target: 'info',
			pass: null,
		},
		{
			section: 'Pipeline',
			// One busy core of the worker process alone; what docs/scaling.md sizes workers by.
			metric: 'images/s per worker core (1 / worker CPU s per image)',
			value: (1 / workerCpu).toFixed(2),
			reference: `${(1 / rawCpu).toFixed(2)} raw`,
			ratio: rawCpu / workerCpu,
			target: 'info',
			pass: null,
		},
	]
	return {
		rows,
		data: {
			photos: meta.count,
			mix,
			rounds: meta.rounds,
			concurrency: meta.concurrency,
			perRound: results.map((r) =>
				Object.fromEntries(
					Object.entries(r).map(([key, value]) => [key, value === null ? null : round(value, 3)]),
				),
			),
			allocator: meta.allocator,
			rawImagesPerSecond: round(raw, 3),
			pillowImagesPerSecond: pillow === null ? meta.pillowSkipped : round(pillow, 3),
			pillowCpuSecondsPerImage: pillowCpu === null ? null : round(pillowCpu, 4),
			realImagesPerSecond: round(real, 3),
			workerOnlyImagesPerSecond: round(workerOnly, 3),
			rawCpuSecondsPerImage: round(rawCpu, 4),
			realCpuSecondsPerImage: round(realCpu, 4),
			webCpuSecondsPerImage: round(webCpu, 4),
			workerCpuSecondsPerImage: round(workerCpu, 4),
			postgresCpuSecondsPerImage: round(postgresCpu, 4),
			ratio: round(real / raw, 3),
		},
	}
}

/** Darkroom end to end against the same work in Pillow, as a Python service would do it. */
function pillowRow(
	real: number,
	pillow: number | null,
	pillowCpu: number | null,
	meta: { concurrency: number; pillowSkipped: string | null },
): Row {
	const metric = `images/s, upload → completed vs Pillow, same work in Pool(${meta.concurrency})`
	if (pillow === null || pillowCpu === null) {
		return {
			section: 'Pipeline',
			metric,
			value: meta.pillowSkipped ?? 'skipped',
			reference: '–',
			ratio: null,
			target: '≥ 1.8',
			pass: null,
		}
	}
	return {
		section: 'Pipeline',
		metric: `${metric} (Pillow CPU s/image ${pillowCpu.toFixed(3)})`,
		value: real.toFixed(2),
		reference: `${pillow.toFixed(2)} Pillow`,
		ratio: real / pillow,
		target: '≥ 1.8',
		pass: real / pillow >= 1.8,
	}
}

function summarizeMix(photos: BenchImage[]) {
	const counts = new Map<string, number>()
	for (const photo of photos) {
		const label = photo.format === 'jpeg' ? '12 MP JPEG' : `${photo.format.toUpperCase()}`
		counts.set(label, (counts.get(label) ?? 0) + 1)
	}
	return [...counts].map(([label, n]) => `${n} ${label}`).join(', ')
}
