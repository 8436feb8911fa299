import os from 'node:os'
import { type Context, enqueueCopies, type SectionResult, waitForImages } from '../lib/context'
import { multipart, register } from '../lib/http'
import { photoSet, smallSet } from '../lib/images'
import { cpuMeter } from '../lib/proc'
import { startWeb, startWorkers } from '../lib/processes'
import { round, since } from '../lib/stats'
import { uploadAll } from './pipeline'

// Scale-out: the same batch of photo jobs drained by 1, 2, 4 (and 8 where
// the cores exist) worker processes, each at WORKER_CONCURRENCY. Timed from
// the batch's commit to the last image completed; one worker is the reference.
// The web process stays up (idle) only to have uploaded the templates.

export async function scale(ctx: Context): Promise<SectionResult> {
	const { scaleJobs: jobs, scaleWorkers: counts } = ctx.options.sizes
	const app = await ctx.openApp('scale')
	const web = await startWeb(app.env)
	try {
		const { token } = await register(web.baseUrl)
		ctx.log('uploading templates')
		const photos = await photoSet(6, 60)
		const small = await smallSet(6, 640, 80)
		const photoIds = await uploadAll(web.baseUrl, token, photos.map(toUpload), 2)
		const smallIds = await uploadAll(web.baseUrl, token, small.map(toUpload), 2)

		// 1, 2, 4, 2, 1: each count is measured on the way up and down, so a
		// load change elsewhere during the section weighs on all of them alike.
		const order = [...counts, ...counts.slice(0, -1).reverse()]
		const timings: Array<{ workers: number; seconds: number; cpuSeconds: number }> = []
		for (const count of order) {
			const workers = await startWorkers(count, app.env, app.sql)
			try {
				// Warm-up: whatever is queued plus two small jobs per process.
				await enqueueCopies(app.sql, smallIds, 2 * count)
				await waitForImages(app.sql)
				ctx.log(`${count} worker process(es): ${jobs} photo jobs`)
				const cpu = cpuMeter(() => workers.map((worker) => worker.pid))
				const started = performance.now()
				await enqueueCopies(app.sql, photoIds, jobs)
				await waitForImages(app.sql)
				timings.push({
					workers: count,
					seconds: since(started) / 1000,
					cpuSeconds: cpu() / 1000,
				})
			} finally {
				await Promise.all(workers.map((worker) => worker.stop()))
			}
		}
		const runs = counts.map((count) => {
			const mine = timings.filter((t) => t.workers === count)
			const seconds = mine.reduce((sum, t) => sum + t.seconds, 0)
			const cpuSeconds = mine.reduce((sum, t) => sum + t.cpuSeconds, 0)
			return {
				workers: count,
				runs: mine.length,
				imagesPerSecond: (jobs * mine.length) / seconds,
				// Average cores the workers kept busy: below the core count means idle CPU.
				coresBusy: cpuSeconds / seconds,
			}
		})
		const base = runs[0]!.imagesPerSecond
		return {
			rows: runs.slice(1).map((run) => ({
				section: 'Scale-out',
				metric: `${run.workers} worker processes vs 1, ${jobs} photo jobs ×${run.runs} (speed-up; cores busy)`,
				value: `${run.imagesPerSecond.toFixed(2)} img/s; ${run.coresBusy.toFixed(2)}`,
				reference: `${base.toFixed(2)} img/s; ${runs[0]!.coresBusy.toFixed(2)}`,
				ratio: run.imagesPerSecond / base,
				target: `info (${os.availableParallelism()} cores)`,
				pass: null,
			})),
			data: {
				jobs,
				cores: os.availableParallelism(),
				concurrencyPerWorker: ctx.workerConcurrency,
				runs: runs.map((r) => ({
					...r,
					imagesPerSecond: round(r.imagesPerSecond, 3),
					coresBusy: round(r.coresBusy, 3),
					speedUp: round(r.imagesPerSecond / base, 3),
				})),
			},
		}
	} finally {
		await web.stop()
	}
}

const toUpload = (image: { bytes: Buffer; name: string }) => multipart(image.bytes, image.name)
