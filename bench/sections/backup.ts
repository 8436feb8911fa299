import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Context, SectionResult } from '../lib/context'
import { runNode } from '../lib/processes'
import { round } from '../lib/stats'

// Backup and restore throughput: `npm run backup` of an instance holding
// files of random bytes (incompressible) and their rows, then `npm run
// restore` of that archive into a fresh database and data directory, each
// timed by the command itself (start-up excluded). The reference is a plain
// file copy of the archive on the same disk.

const MB = 1e6

export async function backup(ctx: Context): Promise<SectionResult> {
	const { backupFiles: files, backupFileBytes: fileBytes } = ctx.options.sizes
	const source = await ctx.openApp('backup')
	const target = await ctx.openApp('restore')
	ctx.log(`writing ${files} files of ${fileBytes / 1024} KiB`)
	const [user] = await source.sql`
		insert into users (email, password_hash) values ('bench@example.test', 'x') returning id`
	const userId = user!.id as string
	const keys: string[] = []
	const hashes: string[] = []
	for (let n = 0; n < files; n++) {
		const key = `images/${userId}/${n}/original.jpg`
		const bytes = randomBytes(fileBytes)
		const file = path.join(source.env.DATA_DIR, 'storage', key)
		fs.mkdirSync(path.dirname(file), { recursive: true })
		fs.writeFileSync(file, bytes)
		keys.push(key)
		hashes.push(createHash('sha256').update(bytes).digest('hex'))
	}
	await source.sql`
		insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format, original_key, status, ai_status)
		select ${userId}, 'p.jpg', 'image/jpeg', ${fileBytes}, sha, 1, 1, 'jpeg', key, 'completed', 'skipped'
		from unnest(${keys}::text[], ${hashes}::text[]) as t(key, sha)`

	const archives = ctx.scratch('backups')
	ctx.log('backup')
	const backupOutput = await runNode(['scripts/backup.ts', archives], source.env, 'backup')
	const archive = path.join(
		archives,
		fs.readdirSync(archives).find((name) => name.endsWith('.tar'))!,
	)
	const archiveBytes = fs.statSync(archive).size
	ctx.log('restore')
	const restoreOutput = await runNode(['scripts/restore.ts', archive], target.env, 'restore')
	const copyStarted = performance.now()
	fs.copyFileSync(archive, `${archive}.copy`)
	const copySeconds = (performance.now() - copyStarted) / 1000
	fs.rmSync(archives, { recursive: true, force: true })

	const backupSeconds = reportedSeconds(backupOutput)
	const restoreSeconds = reportedSeconds(restoreOutput)
	const copyRate = archiveBytes / MB / copySeconds
	const rate = (seconds: number) => archiveBytes / MB / seconds
	const row = (metric: string, seconds: number) => ({
		section: 'Backup',
		metric: `${metric}, ${files} files (${(archiveBytes / MB).toFixed(0)} MB archive); s per GiB`,
		value: `${rate(seconds).toFixed(0)} MB/s; ${((seconds * 2 ** 30) / archiveBytes).toFixed(1)} s`,
		reference: `${copyRate.toFixed(0)} MB/s (file copy)`,
		ratio: rate(seconds) / copyRate,
		target: 'info',
		pass: null,
	})
	return {
		rows: [row('npm run backup', backupSeconds), row('npm run restore', restoreSeconds)],
		data: {
			files,
			fileBytes,
			archiveBytes,
			backupSeconds,
			restoreSeconds,
			copySeconds: round(copySeconds, 2),
			backupMBps: round(rate(backupSeconds), 1),
			restoreMBps: round(rate(restoreSeconds), 1),
		},
	}
}

/** The seconds a command reports at the end of its summary line, e.g. "(… 3.7 s)". */
function reportedSeconds(output: string): number {
	const match = /([\d.]+) s\)\.?\s*$/m.exec(
		output.split('\n').find((line) => / s\)/.test(line)) ?? '',
	)
	if (!match) throw new Error(`No duration in:\n${output}`)
	return Number(match[1])
}
