import { createHmac } from 'node:crypto'

// The backup archive's layout (docs/decisions/023-backup-archive.md): a tar
// file whose first entry is the manifest and whose last is the trailer; in
// between, each table as COPY text in chunks, then the storage objects.

export const FORMAT = 'darkroom-backup'
export const FORMAT_VERSION = 1

export const MANIFEST_ENTRY = 'manifest.json'
export const TRAILER_ENTRY = 'trailer.json'
const TABLE_PREFIX = 'tables/'
const OBJECT_PREFIX = 'objects/'

/** COPY output is cut into entries of about this size: a tar entry needs its size up front. */
export const TABLE_CHUNK_BYTES = 4 * 1024 * 1024

export const tableChunkEntry = (table: string, index: number) =>
	`${TABLE_PREFIX}${table}/${String(index).padStart(6, '0')}.copy`
export const objectEntry = (key: string) => `${OBJECT_PREFIX}${key}`

export type ArchiveEntryKind =
	| { kind: 'manifest' }
	| { kind: 'trailer' }
	| { kind: 'table'; table: string }
	| { kind: 'object'; key: string }

export function entryKind(name: string): ArchiveEntryKind | undefined {
	if (name === MANIFEST_ENTRY) return { kind: 'manifest' }
	if (name === TRAILER_ENTRY) return { kind: 'trailer' }
	if (name.startsWith(OBJECT_PREFIX))
		return { kind: 'object', key: name.slice(OBJECT_PREFIX.length) }
	const table = /^tables\/([a-z_][a-z0-9_]*)\/\d{6}\.copy$/.exec(name)?.[1]
	return table ? { kind: 'table', table } : undefined
}

export type MigrationLevel = {
	/** drizzle's `created_at`: the migration folder's timestamp (journal `when`). */
	createdAt: number
	hash: string
}

export type Manifest = {
	format: typeof FORMAT
	formatVersion: number
	darkroomVersion: string
	createdAt: string
	migration: MigrationLevel | null
	/** secretKeyFingerprint of the SECRET_KEY the webhook secrets are encrypted with. */
	secretKeyFingerprint: string
	objects: boolean
	/** In load order: a table comes after every table it references. */
	tables: Array<{ name: string; columns: string[] }>
}

export type TrailerEntry = { name: string; bytes: number; sha256: string }

export type Trailer = {
	entries: TrailerEntry[]
	rows: Record<string, number>
	objects: number
}

/**
 * A one-way fingerprint of a secret key: says whether two keys are the same
 * without revealing either. Its own label, so it can never stand for a
 * signature made with the key.
 */
export function secretKeyFingerprint(secretKey: string): string {
	return createHmac('sha256', secretKey)
		.update('darkroom:key-fingerprint:v1')
		.digest('hex')
		.slice(0, 16)
}

/** `darkroom-2026-12-06T03-30-00-123Z.tar`: sorts by time, safe in any file system or S3 key. */
export function archiveName(createdAt: Date): string {
	return `darkroom-${createdAt.toISOString().replace(/[:.]/g, '-')}.tar`
}

const ARCHIVE_NAME = /^darkroom-(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z\.tar$/

/** When an archive named by archiveName was made; undefined for any other name. */
export function archiveCreatedAt(name: string): Date | undefined {
	const match = ARCHIVE_NAME.exec(name)
	if (!match) return undefined
	const [, day, hours, minutes, seconds, millis] = match
	const date = new Date(`${day}T${hours}:${minutes}:${seconds}.${millis}Z`)
	return Number.isNaN(date.getTime()) ? undefined : date
}

/** COPY text format ends every row with a newline (newlines inside values are escaped). */
export function countRows(chunk: Buffer): number {
	let rows = 0
	for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++
	return rows
}
