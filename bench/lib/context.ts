import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { allocatorEnv, describeAllocator } from '../../server/allocator'
import type { Cluster, Sql } from './database'
import type { Options } from './options'
import type { AppEnv } from './processes'
import { sleep } from './stats'

// What every section receives, and what it hands back.

export type Row = {
	section: string
	metric: string
	/** Darkroom's figure, and the reference measured beside it in the same run. */
	value: string
	reference: string
	/** value ÷ reference, so the direction follows the metric (throughput: higher is better). */
	ratio: number | null
	target: string
	pass: boolean | null
}

export type SectionResult = { rows: Row[]; data: Record<string, unknown> }

export type Context = {
	options: Options
	/** Jobs one worker process runs at once (WORKER_CONCURRENCY as the processes see it). */
	workerConcurrency: number
	log: (message: string) => void
	/** A fresh database, data directory and the environment for processes using them. */
	openApp: (name: string) => Promise<App>
	/** A scratch directory for this section's input files. */
	scratch: (name: string) => string
	/** PostgreSQL's processes, to add its CPU time to the app's. */
	postgresPids: () => number[]
}

export type App = { url: string; sql: Sql; env: AppEnv }

let databases = 0

/** The allocator the processes under test get with these overrides, in words, for the report. */
export function allocatorFor(env: Record<string, string>): string {
	const merged = { ...process.env, ...env }
	return describeAllocator({ ...merged, ...allocatorEnv(merged) })
}

/** `env` is what the processes under test get on top of the bench's defaults. */
export function createContext(
	options: Options,
	env: Record<string, string>,
	cluster: Cluster,
	root: string,
	log: (message: string) => void,
): Context {
	const secretKey = randomBytes(32).toString('hex')
	return {
		options,
		workerConcurrency: Number(env.WORKER_CONCURRENCY ?? 2),
		log,
		postgresPids: () => cluster.pids(),
		scratch: (name) => {
			const dir = path.join(root, 'inputs', name)
			fs.mkdirSync(dir, { recursive: true })
			return dir
		},
		openApp: async (name) => {
			const id = `${name}_${++databases}`
			const { url, sql } = await cluster.createDatabase(`bench_${id}`)
			const dataDir = path.join(root, 'data', id)
			fs.mkdirSync(dataDir, { recursive: true })
			const appEnv: AppEnv = {
				DATABASE_URL: url,
				DATA_DIR: dataDir,
				SECRET_KEY: secretKey,
				NODE_ENV: 'production',
				LOG_LEVEL: 'warn',
				RATE_LIMIT_ENABLED: 'false',
				AI_PROVIDER: 'none',
				// Several workers on one box would compete for the metrics port; nothing scrapes it here.
				WORKER_METRICS_PORT: '0',
				...env,
			}
			// The allocator production runs with (server/start.ts, the container), unless
			// the bench's own environment or --env/--compare set it: `LD_PRELOAD=` turns jemalloc off.
			Object.assign(appEnv, allocatorEnv({ ...process.env, ...appEnv }))
			return { url, sql, env: appEnv }
		},
	}
}

/**
 * Waits until no image is pending or processing, counting again whenever the
 * app's own image_events notification fires (every status change sends one;
 * the web process listens to it anyway), or each second if one were missed.
 * A count every 10 ms, as before, cost PostgreSQL and the bench about 5 ms
 * of CPU per image that the pipeline rows charged to Darkroom.
 */
export async function waitForImages(sql: Sql, timeoutMs = 600_000): Promise<void> {
	let wake = () => {}
	const { unlisten } = await sql.listen('image_events', () => wake())
	try {
		const deadline = Date.now() + timeoutMs
		for (;;) {
			// Made before the count, so a change during it is not missed.
			const changed = new Promise<void>((resolve) => (wake = resolve))
			const [row] = await sql<{ open: number; failed: number }[]>`
				select count(*) filter (where status in ('pending', 'processing'))::int as open,
					count(*) filter (where status = 'failed')::int as failed
				from images`
			if (row!.failed > 0) {
				const [failure] = await sql<{ error: string }[]>`
					select coalesce(error, '') as error from images where status = 'failed' limit 1`
				throw new Error(`${row!.failed} image(s) failed: ${failure!.error}`)
			}
			if (row!.open === 0) return
			if (Date.now() > deadline)
				throw new Error(`${row!.open} image(s) still open after ${timeoutMs / 1000} s`)
			await Promise.race([changed, sleep(1000)])
		}
	} finally {
		await unlisten()
	}
}

/**
 * Queues `count` more process-image jobs without HTTP: new image rows
 * copying the templates' originals (the worker writes variants under the new
 * ids), each with its job, in one transaction, as the upload path does.
 */
export async function enqueueCopies(sql: Sql, templateIds: string[], count: number): Promise<void> {
	await sql`
		with template as (
			select i.*, t.ord from unnest(${templateIds}::uuid[]) with ordinality as t(id, ord)
			join images i on i.id = t.id
		), copy as (
			insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format, original_key)
			select t.user_id, t.filename, t.content_type, t.byte_size, t.sha256, t.width, t.height, t.format, t.original_key
			from generate_series(0, ${count - 1}::int) g
			join template t on t.ord = g % ${templateIds.length}::int + 1
			returning id
		)
		select count(graphile_worker.add_job(
			'process-image',
			json_build_object('imageId', id::text),
			max_attempts := 8,
			job_key := 'process-image:' || id::text
		)) from copy`
}
