import { type Context, type SectionResult } from '../lib/context'
import type { Sql } from '../lib/database'
import { multipart, register, uploadImage } from '../lib/http'
import { encodePhoto } from '../lib/images'
import { startWeb, startWorkers } from '../lib/processes'
import { round, since, sleep, summarize } from '../lib/stats'

// Queue latency: an upload's commit to its task starting, with an idle worker.
//
// Both ends are read from the database's own clock:
//  - commit: pg_xact_commit_timestamp(xmin) of the upload's idempotency_keys
//    row. That row is inserted in the upload transaction (with the image row
//    and its job) and never updated, so its xmin is that transaction, and
//    track_commit_timestamp (on for the bench cluster) records when it committed.
//    images.created_at would be the transaction's start instead.
//  - start: images.processing_started_at, set with now() by the task's first
//    statement (the claim), i.e. once graphile-worker has fetched the job and
//    called the task.
// Reference: a bare LISTEN/NOTIFY round-trip on the same database, measured
// by the bench (send pg_notify → notification received), interleaved with
// the uploads so both see the same machine load.

export async function latency(ctx: Context): Promise<SectionResult> {
	const samples = ctx.options.sizes.latencySamples
	const app = await ctx.openApp('latency')
	const [web, workers] = await Promise.all([startWeb(app.env), startWorkers(1, app.env, app.sql)])
	try {
		const { token } = await register(web.baseUrl)
		const photo = await encodePhoto('jpeg', 320, 240, 11)
		const ping = await pinger(app.sql)
		ctx.log(`${samples} sequential uploads with an idle worker, each beside a NOTIFY round-trip`)
		const notifyMs: number[] = []
		for (let i = -3; i < samples; i++) {
			const pingMs = await ping()
			// Negative i: warm-up, not recorded (and not matched by the query below).
			const key = i < 0 ? `warmup-${i}` : `latency-${i}`
			const id = await uploadImage(web.baseUrl, token, multipart(photo, `latency-${i}.jpg`), {
				'idempotency-key': key,
			})
			await waitForImage(app.sql, id)
			if (i >= 0) notifyMs.push(pingMs)
			// Let the worker go back to waiting on LISTEN before the next one.
			await sleep(20 + Math.random() * 30)
		}
		const measured = await readLatencies(app.sql)
		return report(measured, notifyMs)
	} finally {
		await Promise.all([web.stop(), ...workers.map((worker) => worker.stop())])
	}
}

/** One LISTEN connection and one NOTIFY sender; each call times one round-trip. */
async function pinger(sql: Sql) {
	let received: (() => void) | undefined
	await sql.listen('bench_ping', () => received?.())
	return async () => {
		const started = performance.now()
		const arrived = new Promise<void>((resolve) => (received = resolve))
		await sql`select pg_notify('bench_ping', 'x')`
		await arrived
		return since(started)
	}
}

async function waitForImage(sql: Sql, id: string) {
	const deadline = Date.now() + 60_000
	for (;;) {
		const [row] = await sql<{ status: string }[]>`select status from images where id = ${id}`
		if (row?.status === 'completed') return
		if (row?.status === 'failed') throw new Error(`Image ${id} failed`)
		if (Date.now() > deadline) throw new Error(`Image ${id} still ${row?.status} after 60 s`)
		await sleep(5)
	}
}

async function readLatencies(sql: Sql) {
	const rows = await sql<{ commitToStart: number; txStartToStart: number }[]>`
		select
			extract(epoch from i.processing_started_at - pg_xact_commit_timestamp(k.xmin))::float8 * 1000
				as "commitToStart",
			extract(epoch from i.processing_started_at - i.created_at)::float8 * 1000 as "txStartToStart"
		from idempotency_keys k join images i on i.id = k.image_id
		where k.key like 'latency-%'`
	return {
		commitToStart: rows.map((row) => row.commitToStart),
		txStartToStart: rows.map((row) => row.txStartToStart),
	}
}

function report(
	measured: { commitToStart: number[]; txStartToStart: number[] },
	notifyMs: number[],
): SectionResult {
	const queue = summarize(measured.commitToStart)
	const notify = summarize(notifyMs)
	const txStart = summarize(measured.txStartToStart)
	const ms = (value: number) => `${value.toFixed(1)} ms`
	return {
		rows: [
			{
				section: 'Queue latency',
				metric: `commit → task start, p50 (${queue.count} uploads, idle worker)`,
				value: ms(queue.p50),
				reference: `${ms(notify.p50)} NOTIFY`,
				ratio: queue.p50 / notify.p50,
				target: '≤ 10 ms',
				pass: queue.p50 <= 10,
			},
			{
				section: 'Queue latency',
				metric: 'commit → task start, p99',
				value: ms(queue.p99),
				reference: `${ms(notify.p99)} NOTIFY`,
				ratio: queue.p99 / notify.p99,
				target: 'info',
				pass: null,
			},
		],
		data: {
			method:
				'processing_started_at − pg_xact_commit_timestamp(idempotency_keys.xmin), both on the database clock',
			commitToStartMs: roundSummary(queue),
			transactionStartToStartMs: roundSummary(txStart),
			notifyRoundTripMs: roundSummary(notify),
		},
	}
}

const roundSummary = (s: ReturnType<typeof summarize>) =>
	Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 3)]))
