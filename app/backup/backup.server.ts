import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import tar from 'tar-stream'
import { getSecretKey } from '#app/config.server'
import { databaseUrl } from '#app/db.server'
import { ObjectNotFoundError } from '#app/errors'
import { imageObjectKeys } from '#app/images/delete.server'
import { storage } from '#app/storage/storage.server'
import {
	archiveName,
	countRows,
	FORMAT,
	FORMAT_VERSION,
	type Manifest,
	MANIFEST_ENTRY,
	type MigrationLevel,
	objectEntry,
	secretKeyFingerprint,
	TABLE_CHUNK_BYTES,
	tableChunkEntry,
	type Trailer,
	TRAILER_ENTRY,
	type TrailerEntry,
} from './archive'
import { openArchiveWriter } from './targets.server'

// `npm run backup` and the scheduled task: one archive, written while
// Darkroom serves. The tables are read in one REPEATABLE READ snapshot; the
// objects the snapshot's images reference follow, read through the storage
// interface. Everything streams: memory holds at most one table chunk.
// See docs/decisions/023-backup-archive.md.

export type BackupResult = {
	location: string
	name: string
	bytes: number
	durationMs: number
	tables: number
	rows: number
	objects: number
}

export type BackupOptions = {
	target: string
	/** false: tables only (S3 with bucket versioning, say). */
	objects?: boolean
	/** Called with a line now and then on long runs. */
	onProgress?: (line: string) => void
}

/**
 * Rows that only matter while the processes that wrote them live, and the
 * backup runs themselves: the snapshot would catch its own run half-way, and
 * a restored instance has made no backup yet.
 */
const TRANSIENT_TABLES = new Set([
	'worker_heartbeats',
	'rate_limits',
	'upload_slots',
	'backup_runs',
	// A cache of files made on request: they are made again when asked for.
	'renditions',
	// Cached query vectors: searches embed their words again.
	'query_embeddings',
	// Runs whose jobs (graphile-worker's schema) are not in the archive.
	'backfill_runs',
])

export async function createBackup(options: BackupOptions): Promise<BackupResult> {
	const started = performance.now()
	const createdAt = new Date()
	const name = archiveName(createdAt)
	const writer = await openArchiveWriter(options.target, name)
	const pack = tar.pack()
	let bytes = 0
	const counter = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			bytes += chunk.length
			callback(null, chunk)
		},
	})
	const written = pipeline(pack, counter, writer.stream)
	// Reported by `written` (or by the archive steps) below, not as an unhandled rejection.
	written.catch(() => {})
	try {
		const contents = await writeArchive(pack, {
			createdAt,
			objects: options.objects ?? true,
			progress: options.onProgress ?? (() => {}),
		})
		pack.finalize()
		await written
		await writer.complete()
		return {
			location: writer.location,
			name,
			bytes,
			durationMs: Math.round(performance.now() - started),
			...contents,
		}
	} catch (error) {
		pack.destroy()
		await writer.abort()
		throw error
	}
}

type ArchiveContents = { tables: number; rows: number; objects: number }

async function writeArchive(
	pack: tar.Pack,
	options: { createdAt: Date; objects: boolean; progress: (line: string) => void },
): Promise<ArchiveContents> {
	const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
	const entries: TrailerEntry[] = []
	const rows: Record<string, number> = {}
	let objects = 0
	try {
		await sql.begin('isolation level repeatable read read only', async (tx) => {
			const tables = await applicationTables(tx)
			const manifest: Manifest = {
				format: FORMAT,
				formatVersion: FORMAT_VERSION,
				darkroomVersion: darkroomVersion(),
				createdAt: options.createdAt.toISOString(),
				migration: await migrationLevel(tx),
				secretKeyFingerprint: secretKeyFingerprint(getSecretKey()),
				objects: options.objects,
				tables,
			}
			entries.push(await addBuffer(pack, MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest))))
			for (const table of tables) {
				rows[table.name] = await addTable(pack, tx, table, entries)
				options.progress(`table ${table.name}: ${rows[table.name]} rows`)
			}
			if (!options.objects) return
			objects = await addObjects(pack, tx, entries, (count) =>
				options.progress(`objects: ${count}`),
			)
		})
	} finally {
		await sql.end()
	}
	const trailer: Trailer = { entries, rows, objects }
	await addBuffer(pack, TRAILER_ENTRY, Buffer.from(JSON.stringify(trailer)))
	const rowCount = Object.values(rows).reduce((sum, count) => sum + count, 0)
	return { tables: Object.keys(rows).length, rows: rowCount, objects }
}

type TableDescription = Manifest['tables'][number]

/**
 * The application's tables in `public`, transient ones left out, each with
 * its stored columns (generated ones are computed again on load), ordered so
 * that every table follows the tables it references.
 */
async function applicationTables(tx: postgres.TransactionSql): Promise<TableDescription[]> {
	const found = await tx<Array<{ name: string; columns: string[]; refs: string[] }>>`
		select c.relname::text as name,
			array(select a.attname::text from pg_attribute a
				where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
				order by a.attnum) as columns,
			array(select distinct r.relname::text from pg_constraint f join pg_class r on r.oid = f.confrelid
				where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as refs
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p')
		order by c.relname`
	const wanted = found.filter((table) => !TRANSIENT_TABLES.has(table.name))
	const ordered: TableDescription[] = []
	const placed = new Set<string>()
	const visit = (table: (typeof wanted)[number], path: string[]) => {
		if (placed.has(table.name) || path.includes(table.name)) return
		for (const ref of table.refs) {
			const referenced = wanted.find((other) => other.name === ref)
			if (referenced) visit(referenced, [...path, table.name])
		}
		placed.add(table.name)
		ordered.push({ name: table.name, columns: table.columns })
	}
	for (const table of wanted) visit(table, [])
	return ordered
}

async function migrationLevel(tx: postgres.TransactionSql): Promise<MigrationLevel | null> {
	const [newest] = await tx<Array<{ hash: string; createdAt: string }>>`
		select hash, created_at::text as "createdAt" from drizzle.__drizzle_migrations
		order by created_at desc limit 1`
	return newest ? { hash: newest.hash, createdAt: Number(newest.createdAt) } : null
}

let version: string | undefined
function darkroomVersion(): string {
	// The same two levels up from app/backup and from build/server.
	const file = fileURLToPath(new URL('../../package.json', import.meta.url))
	try {
		version ??= (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
	} catch {
		version = 'unknown'
	}
	return version
}

export const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`

/** COPY text of one table, cut into entries of TABLE_CHUNK_BYTES; returns its row count. */
async function addTable(
	pack: tar.Pack,
	tx: postgres.TransactionSql,
	table: TableDescription,
	entries: TrailerEntry[],
): Promise<number> {
	const columns = table.columns.map(quoteIdentifier).join(', ')
	const copy = await tx
		.unsafe(`copy (select ${columns} from ${quoteIdentifier(table.name)}) to stdout`)
		.readable()
	let rows = 0
	let chunkIndex = 0
	let pending: Buffer[] = []
	let pendingBytes = 0
	const flush = async () => {
		const chunk = Buffer.concat(pending)
		pending = []
		pendingBytes = 0
		entries.push(await addBuffer(pack, tableChunkEntry(table.name, chunkIndex++), chunk))
	}
	for await (const data of copy as AsyncIterable<Buffer>) {
		rows += countRows(data)
		pending.push(data)
		pendingBytes += data.length
		if (pendingBytes >= TABLE_CHUNK_BYTES) await flush()
	}
	// postgres.js pauses the socket when a COPY chunk fills the stream's buffer;
	// if COPY ended in the same network read, nothing resumes it and the next
	// query hangs (porsager/postgres#1016). The stream's read() resumes it.
	;(copy as Readable)._read(0)
	// An empty table still gets one (empty) entry, so the archive lists it.
	if (pendingBytes > 0 || chunkIndex === 0) await flush()
	return rows
}

/** Every stored object the snapshot's images reference (missing ones skipped); returns how many. */
async function addObjects(
	pack: tar.Pack,
	tx: postgres.TransactionSql,
	entries: TrailerEntry[],
	progress: (count: number) => void,
): Promise<number> {
	let count = 0
	const rows = tx<
		Array<{
			id: string
			userId: string
			originalKey: string
			thumbnailKey: string | null
			optimizedKey: string | null
			deletedAt: Date | null
		}>
	>`select id, user_id as "userId", original_key as "originalKey",
			thumbnail->>'key' as "thumbnailKey", optimized->>'key' as "optimizedKey", deleted_at as "deletedAt"
		from images order by id`.cursor(200)
	for await (const batch of rows) {
		for (const row of batch) {
			const keys = imageObjectKeys({
				...row,
				thumbnail: row.thumbnailKey ? variantRef(row.thumbnailKey) : null,
				optimized: row.optimizedKey ? variantRef(row.optimizedKey) : null,
			})
			for (const key of keys) {
				const entry = await addObject(pack, key)
				if (!entry) continue
				entries.push(entry)
				if (++count % 500 === 0) progress(count)
			}
		}
	}
	return count
}

/** Only the key of a stored variant matters for finding its object. */
const variantRef = (key: string) => ({ key, contentType: '', byteSize: 0, width: 0, height: 0 })

async function addObject(pack: tar.Pack, key: string): Promise<TrailerEntry | undefined> {
	let opened
	try {
		opened = await storage.getStream(key)
	} catch (error) {
		// Never written (a stage that had not run) or deleted since the snapshot.
		if (error instanceof ObjectNotFoundError) return undefined
		throw error
	}
	return addStream(pack, objectEntry(key), opened.size, opened.stream)
}

async function addBuffer(pack: tar.Pack, name: string, data: Buffer): Promise<TrailerEntry> {
	return addStream(pack, name, data.length, [data])
}

/** Writes one entry from `source`, which must yield exactly `size` bytes; returns its trailer line. */
async function addStream(
	pack: tar.Pack,
	name: string,
	size: number,
	source: AsyncIterable<Buffer> | Buffer[],
): Promise<TrailerEntry> {
	const hash = createHash('sha256')
	let bytes = 0
	let entry!: ReturnType<tar.Pack['entry']>
	const done = new Promise<void>((resolve, reject) => {
		entry = pack.entry({ name, size, mtime: new Date(0) }, (error) =>
			error ? reject(error) : resolve(),
		)
	})
	for await (const chunk of source) {
		hash.update(chunk)
		bytes += chunk.length
		if (!entry.write(chunk))
			await new Promise<void>((resolve) => entry.once('drain', () => resolve()))
	}
	// The typings' end() wants a chunk; the entry's own (streamx) does not.
	;(entry as NodeJS.WritableStream).end()
	await done
	if (bytes !== size) throw new Error(`${name}: read ${bytes} bytes, expected ${size}`)
	return { name, bytes, sha256: hash.digest('hex') }
}
