import { config } from '#app/config.server'
import { formatBytes } from '#app/format'
import { startEmbeddedPostgres } from '#db/embedded'

// `npm run backup -- [TARGET] [--no-objects]`: one archive of the database
// (DATABASE_URL, or the embedded one under DATA_DIR, started for the command
// if the server is not running) and the stored files, written to a directory
// or an s3://bucket/prefix while Darkroom keeps serving. Recorded as a run on
// Admin → Backups; into BACKUP_TARGET (the default) it also keeps BACKUP_KEEP.

const usage =
	'usage: npm run backup -- [TARGET] [--no-objects]   (TARGET: a directory or s3://bucket/prefix)'
const args = process.argv.slice(2)
const objects = !args.includes('--no-objects')
const positional = args.filter((arg) => arg !== '--no-objects')
if (positional.length > 1 || positional.some((arg) => arg.startsWith('-'))) {
	console.error(usage)
	process.exit(64)
}
const target = positional[0] ?? config.backup.target

const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
let exitCode = 0
try {
	// Imported once the database is up: app/db.server.ts finds the embedded one at import.
	const { runRecordedBackup } = await import('#app/backup/runs.server')
	const { describeTargetProblem } = await import('#app/backup/targets.server')
	const problem = describeTargetProblem(target)
	if (problem) throw new Error(`${target}: ${problem}`)
	const result = await runRecordedBackup('command', {
		target,
		keep: target === config.backup.target ? config.backup.keep : undefined,
		objects,
		onProgress: (line) => console.error(`backup: ${line}`),
	})
	console.log(
		`Backup written: ${result.location} (${formatBytes(result.bytes)}, ${result.tables} tables, ${result.rows} rows, ${result.objects} objects, ${(result.durationMs / 1000).toFixed(1)} s)`,
	)
	const { sqlClient } = await import('#app/db.server')
	await sqlClient.end()
} catch (error) {
	console.error(`Backup failed: ${error instanceof Error ? error.message : String(error)}`)
	exitCode = 1
} finally {
	await embedded?.stop()
}
process.exit(exitCode)
