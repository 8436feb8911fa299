import os from 'node:os'

// Command-line options and the sizes each mode uses. Quick mode shrinks every
// section so a busy 2-core machine finishes in a few minutes; the JSON and the
// table say which sizes were used.

export const SECTIONS = [
	'pipeline',
	'latency',
	'upload',
	'list',
	'memory',
	'scale',
	'backup',
	'delivery',
	'duplicates',
	'search',
] as const
export type SectionName = (typeof SECTIONS)[number]

export type Sizes = {
	/** Pipeline: photos per round and interleaved rounds (raw, real, real, raw…). */
	pipelinePhotos: number
	pipelineRounds: number
	/** Queue latency: sequential uploads with an idle worker. */
	latencySamples: number
	/** Upload API: seconds of load per measurement, and rounds of (health, upload). */
	uploadSeconds: number
	uploadRounds: number
	uploadClients: number
	/** List and detail: rows in the table and sequential requests per route. */
	listRows: number
	listRequests: number
	/**
	 * Memory: jobs run before the first checkpoint (allocator arenas and
	 * libvips' caches still grow over the first jobs), then cumulative jobs
	 * after it at each RSS checkpoint, and the side of the images used.
	 */
	memoryWarmupJobs: number
	memoryCheckpoints: number[]
	memoryImageWidth: number
	/** Scale-out: jobs per worker count. */
	scaleJobs: number
	scaleWorkers: number[]
	/** Backup and restore: stored files (random, incompressible) of this size, plus their rows. */
	backupFiles: number
	backupFileBytes: number
	/** Delivery: 12 MP JPEGs rendered on a miss (one more warms up); hits reuse the upload's seconds and clients. */
	deliveryImages: number
	/** Search: embedded images of one user (100k in both modes), requests per mode, queries checked for recall. */
	searchRows: number
	searchRequests: number
	searchRecallQueries: number
}

export type Options = {
	quick: boolean
	sections: SectionName[]
	/** KEY=VALUE overrides passed to every process under test (web, worker, raw and Pillow references). */
	env: Record<string, string>
	/** With --compare: a second set of overrides; each section runs with `env`, then with both. */
	compare: Record<string, string> | null
	sizes: Sizes
}

const quickSizes: Sizes = {
	pipelinePhotos: 12,
	pipelineRounds: 2,
	latencySamples: 60,
	uploadSeconds: 6,
	uploadRounds: 1,
	uploadClients: 32,
	listRows: 20_000,
	listRequests: 300,
	memoryWarmupJobs: 100,
	memoryCheckpoints: [50, 150, 300],
	memoryImageWidth: 640,
	scaleJobs: 16,
	scaleWorkers: workerCounts(),
	backupFiles: 400,
	backupFileBytes: 256 * 1024,
	deliveryImages: 4,
	searchRows: 100_000,
	searchRequests: 200,
	searchRecallQueries: 3,
}

const fullSizes: Sizes = {
	pipelinePhotos: 48,
	pipelineRounds: 2,
	latencySamples: 200,
	uploadSeconds: 15,
	uploadRounds: 2,
	uploadClients: 32,
	listRows: 100_000,
	listRequests: 1000,
	memoryWarmupJobs: 200,
	memoryCheckpoints: [100, 500, 1000],
	memoryImageWidth: 1600,
	scaleJobs: 48,
	scaleWorkers: workerCounts(),
	backupFiles: 2000,
	backupFileBytes: 512 * 1024,
	deliveryImages: 8,
	searchRows: 100_000,
	searchRequests: 1000,
	searchRecallQueries: 10,
}

/** 1, 2 and 4 processes everywhere; 8 as well where there are cores for it. */
function workerCounts() {
	return os.availableParallelism() >= 8 ? [1, 2, 4, 8] : [1, 2, 4]
}

const USAGE = `usage: npm run bench -- [--quick] [--only=SECTION,…] [--env KEY=VALUE]… [--compare KEY=VALUE]…

  --quick          smaller sizes (a few minutes on 2 cores)
  --only=…         run only these sections: ${SECTIONS.join(', ')}
  --env K=V        set K=V for the web, worker, raw and Pillow reference processes (repeatable),
                   e.g. --env UV_THREADPOOL_SIZE=8 --env MALLOC_ARENA_MAX=2
  --compare K=V    run each section twice, without and then with K=V (repeatable: all
                   together), and print both, for before/after figures from one run
  Bench-only variables: BENCH_SHARP_CACHE=0 and BENCH_SHARP_CONCURRENCY=N set sharp.cache()
  and sharp.concurrency() through a preload; BENCH_NODE_FLAGS="--cpu-prof …" adds node flags;
  BENCH_MEMORY_GC=0 skips the memory section's full GC before each checkpoint.
  The processes get MALLOC_ARENA_MAX=2 and jemalloc when installed, as npm start and the
  container do; --compare LD_PRELOAD= measures glibc malloc instead.
`

export function parseOptions(argv: string[]): Options {
	const options = {
		quick: false,
		sections: [...SECTIONS] as SectionName[],
		env: {},
		compare: null as Record<string, string> | null,
	}
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!
		if (arg === '--quick') options.quick = true
		else if (arg.startsWith('--only=')) options.sections = parseSections(arg.slice(7))
		else if (arg === '--env') addEnv(options.env, argv[++i])
		else if (arg.startsWith('--env=')) addEnv(options.env, arg.slice(6))
		else if (arg === '--compare') addEnv((options.compare ??= {}), argv[++i])
		else if (arg.startsWith('--compare=')) addEnv((options.compare ??= {}), arg.slice(10))
		else if (arg === '--help' || arg === '-h') exit(USAGE, 0)
		else exit(`Unknown option ${arg}\n\n${USAGE}`, 1)
	}
	return { ...options, sizes: options.quick ? quickSizes : fullSizes }
}

function parseSections(list: string): SectionName[] {
	const names = list.split(',').map((name) => name.trim())
	const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name))
	if (unknown.length > 0) exit(`Unknown section ${unknown.join(', ')}\n\n${USAGE}`, 1)
	return SECTIONS.filter((name) => names.includes(name))
}

function addEnv(env: Record<string, string>, pair: string | undefined) {
	const match = pair ? /^([A-Z_][A-Z0-9_]*)=(.*)$/i.exec(pair) : null
	if (!match) exit(`--env wants KEY=VALUE, got ${pair ?? 'nothing'}\n\n${USAGE}`, 1)
	env[match![1]!] = match![2]!
}

function exit(message: string, code: number): never {
	process.stderr.write(message)
	process.exit(code)
}
