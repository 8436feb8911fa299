import fs from 'node:fs/promises'
import { config } from '#app/config.server'
import { renderRendition } from '#app/images/pipeline.server'
import { parseOptions, resolveRendition } from '#app/renditions/options'

// The reference for the delivery section's miss rows: the same rendition
// (renderRendition with the configured ladder and AVIF effort) made by sharp
// in one process, one file at a time as the web's misses were, with no HTTP,
// database or storage. Input: JSON in argv[2]. Output: one JSON line on stdout.

type Input = { files: string[]; options: string }

const input = JSON.parse(process.argv[2]!) as Input
const rendition = resolveRendition(parseOptions(input.options), {
	ladder: config.renditions.widths,
	accept: null,
	hasAlpha: false,
})
const renderOptions = {
	maxInputPixels: config.maxInputPixels,
	avifEffort: config.renditions.avifEffort,
}

async function renderFile(file: string) {
	// Read fresh each time, as the web reads the original from storage on a miss.
	const bytes = await fs.readFile(file)
	return renderRendition(bytes, { contentType: 'image/jpeg' }, rendition, renderOptions)
}

// Warm-up: libvips and the JIT see the operation once first, as the web's warm-up does.
await renderFile(input.files[0]!)
const cpuBefore = process.cpuUsage()
const milliseconds: number[] = []
let bytes = 0
for (const file of input.files) {
	const started = performance.now()
	const made = await renderFile(file)
	milliseconds.push(performance.now() - started)
	bytes += made.buffer.byteLength
}
const cpu = process.cpuUsage(cpuBefore)
process.stdout.write(
	`${JSON.stringify({ milliseconds, cpuMs: (cpu.user + cpu.system) / 1000, bytes })}\n`,
)
