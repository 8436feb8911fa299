import fs from 'node:fs'

// Loaded with --import into the worker by the memory section: writes
// process.memoryUsage() to BENCH_MEMORY_FILE four times a second, so the
// bench can tell JavaScript heap from native memory (libvips, malloc arenas)
// in the RSS it reads from /proc.

const file = process.env.BENCH_MEMORY_FILE
if (file) {
	const write = () => fs.writeFileSync(file, JSON.stringify(process.memoryUsage()))
	setInterval(write, 250).unref()
}
