import { createHash } from 'node:crypto'
import { Readable, type Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { sql } from 'drizzle-orm'
import type postgres from 'postgres'
import { migrateDatabase } from '#db/migrate'
import { config, getSecretKeys, hasSecretKey } from '#app/config.server'
import { databaseUrl, db, type Tx } from '#app/db.server'
import { enqueueJob } from '#app/images/jobs.server'
import { failImages, MISSING_ORIGINAL, queueImageStageAgain } from '#app/images/state.server'
import { storage } from '#app/storage/storage.server'
import { countRows, entryKind, type Manifest, secretKeyFingerprint, type Trailer } from './archive'
import { quoteIdentifier } from './backup.server'
import { readArchive, verifyArchive } from './reader.server'

// `npm run restore -- ARCHIVE [--replace]`: a verified archive into the
// configured database and storage. The archive is read twice: the first pass
// checks every entry against the trailer, so a damaged archive changes
// nothing; the second loads the tables (COPY FROM, one transaction) and
// writes the objects, removing them again if the transaction fails.
// See docs/decisions/023-backup-archive.md.

type PG = postgres.TransactionSql

export class RestoreRefusedError extends Error {}

export type RestoreOptions = {
	archive: string
	/** Empty a target that already holds accounts instead of refusing it. */
	replace?: boolean
	onProgress?: (line: string) => void
}

export type RestoreResult = {
	tables: number
	rows: number
	objects: number
	/** Images marked failed because their original was missing or did not match its sha256. */
	failedImages: number
	/** Completed images whose variants were missing, to be processed again. */
	reprocessedImages: number
	/** Images and webhook deliveries given a job again (jobs are not in archives). */
	requeuedImages: number
	requeuedDeliveries: number
	durationMs: number
}

export const MISMATCHED_ORIGINAL = 'The original file in the backup does not match its checksum.'

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
	const started = performance.now()
	const progress = options.onProgress ?? (() => {})
	progress('verifying the archive')
	const { manifest, trailer } = await verifyArchive(options.archive, progress)
	assertSecretKeyMatches(manifest)
	progress('migrating the target database')
	await migrateDatabase(databaseUrl)
	await assertMigrationLevel(manifest)
	await assertTargetEmpty(options.replace ?? false)
	const written: string[] = []
	try {
		const outcome = await db.transaction((tx) =>
			load(tx, { ...options, manifest, trailer, written, progress }),
		)
		return { ...outcome, durationMs: Math.round(performance.now() - started) }
	} catch (error) {
		// The rows rolled back; the objects go too (keys are ids, so nothing else was at them in an empty target).
		if (written.length > 0 && !options.replace) await storage.delete(written).catch(() => {})
		throw error
	}
}

function assertSecretKeyMatches(manifest: Manifest) {
	const variable = config.secretKey ? 'SECRET_KEY' : `SECRET_KEY (or ${config.dataDir}/secret-key)`
	if (!hasSecretKey()) {
		throw new RestoreRefusedError(
			`${variable} is not set: this archive needs the secret key of the instance it came from (fingerprint ${manifest.secretKeyFingerprint}); set SECRET_KEY to it.`,
		)
	}
	const ours = getSecretKeys().map(secretKeyFingerprint)
	if (!ours.includes(manifest.secretKeyFingerprint)) {
		throw new RestoreRefusedError(
			`${variable} differs from the key this archive was made with (fingerprint ${manifest.secretKeyFingerprint}, configured ${ours[0]}); set SECRET_KEY to the original instance's key (SECRET_KEY_PREVIOUS also counts while rotating).`,
		)
	}
}

async function assertMigrationLevel(manifest: Manifest) {
	if (!manifest.migration) return
	const [ours] = await db.execute<{ createdAt: string }>(
		sql`select max(created_at)::text as "createdAt" from drizzle.__drizzle_migrations`,
	)
	if (Number(ours?.createdAt ?? 0) < manifest.migration.createdAt) {
		throw new RestoreRefusedError(
			`This archive was made by a newer Darkroom (${manifest.darkroomVersion}, schema from ${new Date(manifest.migration.createdAt).toISOString()}); restore it with that version or later.`,
		)
	}
}

async function assertTargetEmpty(replace: boolean) {
	if (replace) return
	const [found] = await db.execute<{ any: boolean }>(
		sql`select exists(select 1 from users) as "any"`,
	)
	if (found?.any) {
		throw new RestoreRefusedError(
			'The target database already holds accounts; restore into an empty database, or pass --replace to delete everything in it first.',
		)
	}
}

type LoadContext = RestoreOptions & {
	manifest: Manifest
	trailer: Trailer
	written: string[]
	progress: (line: string) => void
}

async function load(tx: Tx, context: LoadContext): Promise<Omit<RestoreResult, 'durationMs'>> {
	const pg = rawClient(tx)
	if (context.replace) await emptyDatabase(pg)
	await pg`create temp table restored_objects (key text primary key, sha256 text) on commit drop`
	const tables = new TableLoader(pg, context.manifest, await storedColumns(pg))
	const objects = new ObjectRecorder(pg)
	await readArchive(context.archive, async (entry) => {
		const kind = entryKind(entry.name)
		if (kind?.kind === 'table') return tables.write(kind.table, entry.stream)
		await tables.finish()
		if (kind?.kind !== 'object') return
		const sha256 = await restoreObject(kind.key, entry.size, entry.stream)
		context.written.push(kind.key)
		await objects.add(kind.key, sha256)
		if (objects.count % 500 === 0) context.progress(`objects: ${objects.count}`)
	})
	await tables.finish()
	for (const [table, expected] of Object.entries(context.trailer.rows)) {
		if (tables.rows[table] !== expected) {
			throw new Error(
				`${table}: loaded ${tables.rows[table] ?? 0} rows, the trailer says ${expected}`,
			)
		}
	}
	if (!context.manifest.objects) await recordObjectsInStorage(pg, objects)
	await objects.flush()
	await resetSequences(pg)
	const settled = await settleImages(tx, pg)
	const requeued = await requeue(tx, pg)
	return {
		tables: Object.keys(tables.rows).length,
		rows: Object.values(tables.rows).reduce((sum, count) => sum + count, 0),
		objects: objects.count,
		...settled,
		...requeued,
	}
}

/** The postgres.js transaction under drizzle's: COPY needs its streams. */
function rawClient(tx: Tx): PG {
	return (tx as unknown as { session: { client: PG } }).session.client
}

async function emptyDatabase(pg: PG) {
	const tables = await pg<Array<{ name: string }>>`
		select c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p')`
	if (tables.length === 0) return
	await pg.unsafe(`truncate ${tables.map((t) => quoteIdentifier(t.name)).join(', ')} cascade`)
}

/** The target's stored (not generated) columns by table. */
async function storedColumns(pg: PG): Promise<Map<string, Set<string>>> {
	const rows = await pg<Array<{ table: string; column: string }>>`
		select c.relname::text as table, a.attname::text as column
		from pg_attribute a join pg_class c on c.oid = a.attrelid
		join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p')
			and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''`
	const columns = new Map<string, Set<string>>()
	for (const { table, column } of rows) {
		if (!columns.has(table)) columns.set(table, new Set())
		columns.get(table)!.add(column)
	}
	return columns
}

/** One COPY FROM STDIN per table, fed by the table's consecutive chunk entries. */
class TableLoader {
	rows: Record<string, number> = {}
	private current: { table: string; copy: Writable } | undefined

	constructor(
		private pg: PG,
		private manifest: Manifest,
		private target: Map<string, Set<string>>,
	) {}

	async write(table: string, chunks: AsyncIterable<Buffer>) {
		if (this.current?.table !== table) {
			await this.finish()
			this.current = { table, copy: await this.open(table) }
			this.rows[table] = 0
		}
		const { copy } = this.current
		for await (const chunk of chunks) {
			this.rows[table]! += countRows(chunk)
			if (!copy.write(chunk)) await new Promise((resolve) => copy.once('drain', resolve))
		}
	}

	async finish() {
		if (!this.current) return
		const { copy } = this.current
		this.current = undefined
		copy.end()
		await finished(copy)
	}

	private async open(table: string): Promise<Writable> {
		const described = this.manifest.tables.find((t) => t.name === table)
		const stored = this.target.get(table)
		if (!described || !stored) {
			throw new RestoreRefusedError(`This Darkroom has no table ${table}, which the archive holds.`)
		}
		const unknown = described.columns.filter((column) => !stored.has(column))
		if (unknown.length > 0) {
			throw new RestoreRefusedError(
				`This Darkroom's ${table} table has no column ${unknown.join(', ')}, which the archive holds.`,
			)
		}
		const columns = described.columns.map(quoteIdentifier).join(', ')
		return this.pg.unsafe(`copy ${quoteIdentifier(table)} (${columns}) from stdin`).writable()
	}
}

/** Writes one object through the storage interface; returns the sha256 of what was written. */
async function restoreObject(
	key: string,
	size: number,
	chunks: AsyncIterable<Buffer>,
): Promise<string> {
	const hash = createHash('sha256')
	async function* hashed() {
		for await (const chunk of chunks) {
			hash.update(chunk)
			yield chunk
		}
	}
	const contentType = key.endsWith('.webp') ? 'image/webp' : 'application/octet-stream'
	await storage.put(key, { stream: () => Readable.from(hashed()), byteSize: size }, contentType)
	return hash.digest('hex')
}

/** Restored keys and their sha256, in a temporary table the final checks join against. */
class ObjectRecorder {
	count = 0
	private keys: string[] = []
	private hashes: Array<string | null> = []

	constructor(private pg: PG) {}

	async add(key: string, sha256: string | null) {
		this.count++
		this.keys.push(key)
		this.hashes.push(sha256)
		if (this.keys.length >= 500) await this.flush()
	}

	async flush() {
		if (this.keys.length === 0) return
		await this.pg`
			insert into restored_objects
			select * from unnest(${this.keys}::text[], ${this.hashes as string[]}::text[])
			on conflict (key) do update set sha256 = excluded.sha256`
		this.keys = []
		this.hashes = []
	}
}

/**
 * An archive made without objects: the files are expected in the target
 * storage already (the same bucket, versioned). Each referenced key found
 * there counts as restored, its sha256 unchecked.
 */
async function recordObjectsInStorage(pg: PG, objects: ObjectRecorder) {
	// Pages by id rather than a cursor: the recorder writes on this same connection meanwhile.
	let after = '00000000-0000-0000-0000-000000000000'
	for (;;) {
		const page = await pg<Array<{ id: string; keys: string[] }>>`
			select i.id, array_remove(array[
				p.at || i.original_key, p.at || (i.thumbnail->>'key'), p.at || (i.optimized->>'key')], null) as keys
			from images i, lateral (select case when i.deleted_at is null then '' else 'trash/' end as at) p
			where i.id > ${after}::uuid order by i.id limit 200`
		if (page.length === 0) return
		after = page.at(-1)!.id
		const keys = [...new Set(page.flatMap((row) => row.keys))]
		const found = await Promise.all(keys.map((key) => storage.exists(key)))
		for (const [index, key] of keys.entries()) {
			if (found[index]) await objects.add(key, null)
		}
	}
}

async function resetSequences(pg: PG) {
	const statements = await pg<Array<{ statement: string }>>`
		select format('select setval(%L, coalesce((select max(%I) from %I.%I), 0) + 1, false)',
			s.oid::regclass::text, a.attname, n.nspname, t.relname) as statement
		from pg_class s
		join pg_depend d on d.objid = s.oid and d.deptype in ('a', 'i')
		join pg_class t on t.oid = d.refobjid
		join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
		join pg_namespace n on n.oid = t.relnamespace
		where s.relkind = 'S' and n.nspname = 'public'`
	for (const { statement } of statements) await pg.unsafe(statement)
}

/**
 * Images whose original is missing or differs from images.sha256 are marked
 * failed (a failed one keeps its own error); completed ones missing a variant
 * are processed again. A trashed image's objects sit under trash/ (app/images/keys.ts).
 */
async function settleImages(tx: Tx, pg: PG) {
	const rows = await pg<Array<{ id: string; problem: 'missing' | 'mismatch' | 'variants' }>>`
		with placed as (
			select i.id, i.status, i.sha256,
				case when i.deleted_at is null then '' else 'trash/' end as at,
				i.original_key, i.thumbnail->>'key' as thumbnail_key, i.optimized->>'key' as optimized_key
			from images i
		), checked as (
			select p.id, p.status,
				o.key is null as missing,
				o.sha256 is not null and o.sha256 <> p.sha256 as mismatch,
				(p.thumbnail_key is not null and not exists (select 1 from restored_objects r where r.key = p.at || p.thumbnail_key))
				or (p.optimized_key is not null and not exists (select 1 from restored_objects r where r.key = p.at || p.optimized_key)) as variants_missing
			from placed p left join restored_objects o on o.key = p.at || p.original_key
		)
		select id, case when missing then 'missing' when mismatch then 'mismatch' else 'variants' end as problem
		from checked
		where status <> 'failed' and (missing or mismatch or (status = 'completed' and variants_missing))`
	const byProblem = (problem: string) =>
		rows.filter((row) => row.problem === problem).map((row) => row.id)
	await failImages(tx, byProblem('missing'), MISSING_ORIGINAL)
	await failImages(tx, byProblem('mismatch'), MISMATCHED_ORIGINAL)
	const reprocess = byProblem('variants')
	for (const id of reprocess) await queueImageStageAgain(tx, id)
	return {
		failedImages: byProblem('missing').length + byProblem('mismatch').length,
		reprocessedImages: reprocess.length,
	}
}

/** Jobs are not in the archive: every image and delivery still under way gets one again. */
async function requeue(tx: Tx, pg: PG) {
	const waiting = await pg<Array<{ id: string; status: string }>>`
		select id, status from images
		where deleted_at is null and (status in ('pending', 'processing')
			or (status = 'completed' and ai_status in ('pending', 'processing')))`
	for (const image of waiting) {
		await enqueueJob(tx, image.status === 'completed' ? 'analyze-image' : 'process-image', image.id)
	}
	const deliveries = await pg`
		select id, enqueue_webhook_delivery(id, webhook_id)
		from webhook_deliveries where status in ('pending', 'retrying')`
	return { requeuedImages: waiting.length, requeuedDeliveries: deliveries.length }
}
