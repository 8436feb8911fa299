import { config } from '#app/config.server'
import { startEmbeddedPostgres } from '#db/embedded'

// `npm run restore -- ARCHIVE [--replace]`: a backup archive (a file or
// s3://bucket/prefix/name.tar) into the database and storage this
// configuration points at: DATABASE_URL or the embedded PostgreSQL under
// DATA_DIR, S3_* or local storage. Refuses a target that already holds
// accounts unless --replace.

const usage = 'usage: npm run restore -- ARCHIVE [--replace]'
const args = process.argv.slice(2)
const replace = args.includes('--replace')
const positional = args.filter((arg) => arg !== '--replace')
if (positional.length !== 1 || positional[0]!.startsWith('-')) {
	console.error(usage)
	process.exit(64)
}
const archive = positional[0]!

const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
let exitCode = 0
try {
	// Imported once the database is up: app/db.server.ts finds the embedded one at import.
	const { restoreBackup } = await import('#app/backup/restore.server')
	const { sqlClient } = await import('#app/db.server')
	try {
		const result = await restoreBackup({
			archive,
			replace,
			onProgress: (line) => console.error(`restore: ${line}`),
		})
		console.log(
			`Restored ${result.rows} rows in ${result.tables} tables and ${result.objects} objects (${(result.durationMs / 1000).toFixed(1)} s).`,
		)
		if (result.failedImages > 0) {
			console.log(
				`${result.failedImages} image(s) marked failed: their original file was missing or did not match its checksum.`,
			)
		}
		if (result.reprocessedImages > 0) {
			console.log(
				`${result.reprocessedImages} image(s) will be processed again (a variant was missing).`,
			)
		}
		console.log(
			`Queued again: ${result.requeuedImages} image(s) and ${result.requeuedDeliveries} webhook deliver(ies) still under way.`,
		)
	} finally {
		await sqlClient.end()
	}
} catch (error) {
	console.error(`Restore failed: ${error instanceof Error ? error.message : String(error)}`)
	exitCode = 1
} finally {
	await embedded?.stop()
}
process.exit(exitCode)
