import fs from 'node:fs'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'

// Loaded with --import into the worker by the memory section: writes
// process.memoryUsage() to BENCH_MEMORY_FILE four times a second, so the
// bench can tell JavaScript heap from native memory (libvips, malloc arenas)
// in the RSS it reads from /proc. On SIGUSR2 it runs a full garbage
// collection first: Buffers (originals read, variants encoded) live outside
// the JS heap but are only freed when their JS objects are collected, so
// without it a checkpoint measures how long ago V8 last ran a full GC.

const file = process.env.BENCH_MEMORY_FILE
if (file) {
	const write = () => fs.writeFileSync(file, JSON.stringify(process.memoryUsage()))
	setInterval(write, 250).unref()
	// gc() without starting the process with --expose-gc, which would change it for the whole run.
	v8.setFlagsFromString('--expose-gc')
	const gc = runInNewContext('gc') as () => void
	process.on('SIGUSR2', () => {
		gc()
		write()
	})
}
