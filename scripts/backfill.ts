import { setTimeout as sleep } from 'node:timers/promises'
import { config } from '#app/config.server'
import { backfillRunKinds, type BackfillKind } from '#db/statuses'
import { startEmbeddedPostgres } from '#db/embedded'
import { migrateDatabase } from '#db/migrate'

// `npm run backfill -- hashes|embeddings [--wait] | status | cancel KIND`:
// Admin → Search index from the shell. Starting queues a run for the worker
// (the running server's, or the next one started); --wait prints its progress
// until it ends. Ctrl-C stops the printing, not the run: `cancel` stops it.

const usage =
	'usage: npm run backfill -- hashes|embeddings [--wait] | status | cancel hashes|embeddings'
const args = process.argv.slice(2)
const wait = args.includes('--wait')
const [command, kindArg, ...extra] = args.filter((arg) => arg !== '--wait')
const isKind = (value: string | undefined): value is BackfillKind =>
	backfillRunKinds.includes(value as BackfillKind)
const valid =
	extra.length === 0 &&
	((isKind(command) && !kindArg) ||
		(command === 'status' && !kindArg && !wait) ||
		(command === 'cancel' && isKind(kindArg) && !wait))
if (!valid) {
	console.error(usage)
	process.exit(64)
}

const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
let exitCode = 0
try {
	await migrateDatabase(config.databaseUrl ?? embedded!.url)
	// Imported once the database is up: app/db.server.ts finds the embedded one at import.
	const runs = await import('#app/backfill/runs.server')
	const { sqlClient } = await import('#app/db.server')
	const describe = (run: Awaited<ReturnType<typeof runs.backfillProgress>>[number]) =>
		`${run.kind}: ${run.status}, ${run.done} of ${run.total} done` +
		(run.failed ? `, ${run.failed} failed` : '') +
		(run.kind === 'embeddings' ? `, cost $${run.costUsd}` : '')
	try {
		if (command === 'status') {
			const progress = await runs.backfillProgress()
			if (progress.length === 0) console.log('No backfill has run.')
			for (const run of progress) console.log(describe(run))
		} else if (command === 'cancel') {
			const current = (await runs.backfillProgress()).find((run) => run.kind === kindArg)
			const cancelled = current?.status === 'running' ? await runs.cancelBackfill(current.id) : null
			console.log(cancelled ? `${kindArg}: cancelled.` : `${kindArg}: no backfill is running.`)
		} else {
			const { run, started } = await runs.startBackfill(command as BackfillKind, null)
			console.log(
				started
					? `${run.kind}: ${run.total} images queued for the worker.`
					: `${run.kind}: a backfill is already running (${run.total} images).`,
			)
			while (wait) {
				const current = (await runs.backfillProgress()).find((each) => each.id === run.id)
				if (!current) break
				console.log(describe(current))
				if (current.status !== 'running') break
				await sleep(2000)
			}
		}
	} finally {
		await sqlClient.end()
	}
} catch (error) {
	// BackfillUnavailableError's message says what to configure.
	console.error(error instanceof Error ? error.message : String(error))
	exitCode = 1
} finally {
	await embedded?.stop()
}
process.exit(exitCode)
