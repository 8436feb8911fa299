import fs from 'node:fs/promises'
import { config } from '#app/config.server'
import { processImage } from '#app/images/pipeline.server'

// The reference for the pipeline rows: the worker's exact transform
// (processImage with the configured sizes) in one process, `concurrency` at
// a time, with no HTTP, queue, database or storage writes. Run as a child so it
// gets the same environment as the worker (UV_THREADPOOL_SIZE, MALLOC_ARENA_MAX…).
// Input: JSON in argv[2]. Output: one JSON line on stdout.

type Input = { files: Array<{ path: string; contentType: string }>; concurrency: number }

const input = JSON.parse(process.argv[2]!) as Input
const options = {
	thumbnailMaxSize: config.thumbnailMaxSize,
	optimizedMaxSize: config.optimizedMaxSize,
	maxInputPixels: config.maxInputPixels,
}

/** Read like the worker's storage.get: a fresh buffer every time, so libvips' cache cannot reuse a decode. */
async function processFile(file: Input['files'][number]) {
	const started = performance.now()
	const bytes = await fs.readFile(file.path)
	await processImage(bytes, { contentType: file.contentType }, options)
	return performance.now() - started
}

async function run(files: Input['files'], concurrency: number) {
	const durations: number[] = []
	let next = 0
	const lane = async () => {
		while (next < files.length) durations.push(await processFile(files[next++]!))
	}
	const started = performance.now()
	const cpuBefore = process.cpuUsage()
	await Promise.all(Array.from({ length: concurrency }, lane))
	const cpu = process.cpuUsage(cpuBefore)
	return {
		seconds: (performance.now() - started) / 1000,
		// All threads of the process: libvips' work included.
		cpuSeconds: (cpu.user + cpu.system) / 1e6,
		durations,
	}
}

// Warm-up as the worker gets it: libvips and the JIT see each format once first.
const formats = new Map(input.files.map((file) => [file.contentType, file]))
await run([...formats.values()], input.concurrency)
const result = await run(input.files, input.concurrency)
// The options too: the Pillow reference (bench/pillow-pipeline.py) is given the same sizes.
process.stdout.write(`${JSON.stringify({ images: input.files.length, options, ...result })}\n`)
