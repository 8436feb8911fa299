import fs from 'node:fs'
import path from 'node:path'
import { type Context, enqueueCopies, type SectionResult, waitForImages } from '../lib/context'
import { multipart, register } from '../lib/http'
import { smallSet } from '../lib/images'
import { loadedAllocator, rssMiB } from '../lib/proc'
import { startWeb, startWorkers } from '../lib/processes'
import { round, sleep } from '../lib/stats'
import { uploadAll } from './pipeline'

// Memory: the worker's resident set after growing numbers of jobs (and its
// JavaScript heap, reported by a preload, to tell JS from native growth). Six
// templates (JPEG, PNG, WebP, TIFF) are uploaded over HTTP; the rest are
// copies queued directly in SQL (same rows, same jobs, new ids), so the time
// goes to the worker. A warm-up batch of the same mix runs first, so the
// first checkpoint, the reference, is taken once the allocator's arenas and
// libvips' caches have grown to their working size.

export async function memory(ctx: Context): Promise<SectionResult> {
	const {
		memoryWarmupJobs: warmup,
		memoryCheckpoints: checkpoints,
		memoryImageWidth: width,
	} = ctx.options.sizes
	const app = await ctx.openApp('memory')
	const forceGc = app.env.BENCH_MEMORY_GC !== '0'
	const usageFile = path.join(ctx.scratch('memory'), `usage-${process.hrtime.bigint()}.json`)
	const [web, [worker]] = await Promise.all([
		startWeb(app.env),
		startWorkers(1, { ...app.env, BENCH_MEMORY_FILE: usageFile }, app.sql),
	])
	try {
		const { token } = await register(web.baseUrl)
		const templates = await smallSet(6, width, 40)
		const ids = await uploadAll(
			web.baseUrl,
			token,
			templates.map((t) => multipart(t.bytes, t.name)),
			2,
		)
		await waitForImages(app.sql)
		const afterTemplates = rssMiB(worker!.pid)
		ctx.log(`worker: ${warmup} warm-up jobs`)
		await enqueueCopies(app.sql, ids, warmup)
		await waitForImages(app.sql)
		const afterWarmup = rssMiB(worker!.pid)
		const allocator = loadedAllocator(worker!.pid)
		const points: Array<{
			jobs: number
			rssBeforeGcMiB: number
			rssMiB: number
			peakMiB: number
			heapUsedMiB: number
			arrayBuffersMiB: number
		}> = []
		// Checkpoints count the jobs after the warm-up.
		let done = 0
		for (const target of checkpoints) {
			ctx.log(`worker: ${target - done} more jobs (to ${target})`)
			await enqueueCopies(app.sql, ids, target - done)
			await waitForImages(app.sql)
			done = target
			await sleep(1000)
			const beforeGc = rssMiB(worker!.pid).rss
			// A full GC in the worker (preload-memory.ts), then a second for freed
			// buffers to be returned: what the worker retains, not where V8's GC cycle is.
			// BENCH_MEMORY_GC=0 (--env or --compare) reads RSS as V8 left it instead.
			if (forceGc) {
				process.kill(worker!.pid, 'SIGUSR2')
				await sleep(1000)
			}
			const { rss, peak } = rssMiB(worker!.pid)
			const usage = readUsage(usageFile)
			points.push({
				jobs: target,
				rssBeforeGcMiB: round(beforeGc, 1),
				rssMiB: round(rss, 1),
				peakMiB: round(peak, 1),
				heapUsedMiB: round(usage.heapUsed / 1024 / 1024, 1),
				arrayBuffersMiB: round(usage.arrayBuffers / 1024 / 1024, 1),
			})
		}
		const first = points[0]!
		const last = points[points.length - 1]!
		const growth = (last.rssMiB - first.rssMiB) / first.rssMiB
		const size = `${width}×${Math.round((width * 3) / 4)}`
		return {
			rows: [
				{
					section: 'Memory',
					metric: `worker RSS${forceGc ? ' after a full GC' : ''} after ${points.map((p) => p.jobs).join(' / ')} jobs, ${warmup} warm-up jobs before (${size} mix, ${allocator}; JS heap ${points.map((p) => p.heapUsedMiB.toFixed(0)).join(' / ')} MiB)`,
					value: points.map((p) => `${p.rssMiB.toFixed(0)}`).join(' / ') + ' MiB',
					reference: `${first.rssMiB.toFixed(0)} MiB at ${first.jobs}`,
					ratio: last.rssMiB / first.rssMiB,
					target: 'growth ≤ 10 %',
					pass: growth <= 0.1,
				},
			],
			data: {
				imageSize: size,
				allocator,
				forceGc,
				warmupJobs: warmup,
				afterTemplatesMiB: round(afterTemplates.rss, 1),
				afterWarmupMiB: round(afterWarmup.rss, 1),
				checkpoints: points,
				growthFirstToLast: round(growth, 4),
			},
		}
	} finally {
		await Promise.all([web.stop(), worker!.stop()])
	}
}

/** The worker's last process.memoryUsage(), written by bench/lib/preload-memory.ts. */
function readUsage(file: string): NodeJS.MemoryUsage {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as NodeJS.MemoryUsage
}
