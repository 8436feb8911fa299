import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import tar from 'tar-stream'
import {
	entryKind,
	FORMAT,
	FORMAT_VERSION,
	type Manifest,
	MANIFEST_ENTRY,
	type Trailer,
	TRAILER_ENTRY,
	type TrailerEntry,
} from './archive'
import { openArchiveReader } from './targets.server'

// Reading an archive: entries in order, the manifest first and the trailer
// last. verifyArchive reads it whole and checks every entry against the
// trailer, so a restore can refuse a damaged archive before changing anything.

export class ArchiveDamagedError extends Error {}

export type ArchiveEntry = { name: string; size: number; stream: AsyncIterable<Buffer> }

/** Calls `onEntry` for each entry in order; it must consume the entry's stream. */
export async function readArchive(
	location: string,
	onEntry: (entry: ArchiveEntry) => Promise<void>,
): Promise<void> {
	const source = await openArchiveReader(location)
	const extract = tar.extract()
	source.on('error', (error) => extract.destroy(error))
	source.pipe(extract)
	try {
		for await (const entry of extract) {
			const { name, size = 0 } = entry.header
			await onEntry({ name, size, stream: entry as unknown as AsyncIterable<Buffer> })
			// Whatever the callback left unread, so the next entry can start.
			entry.resume()
		}
	} catch (error) {
		if (error instanceof ArchiveDamagedError) throw error
		const message = error instanceof Error ? error.message : String(error)
		// tar-stream's words for a cut-off or garbled file; anything else (a disk, S3) passes on.
		if (/unexpected end|invalid tar header|size mismatch/i.test(message)) {
			throw new ArchiveDamagedError(`The archive is truncated or damaged (${message}).`)
		}
		throw error
	} finally {
		;(source as Readable).destroy()
	}
}

export type VerifiedArchive = { manifest: Manifest; trailer: Trailer }

/** Reads the whole archive and checks its layout and every entry's size and sha256. */
export async function verifyArchive(
	location: string,
	progress: (line: string) => void = () => {},
): Promise<VerifiedArchive> {
	let manifest: Manifest | undefined
	let trailer: Trailer | undefined
	const seen: TrailerEntry[] = []
	await readArchive(location, async (entry) => {
		if (trailer)
			throw new ArchiveDamagedError(`The archive has entries after its trailer (${entry.name}).`)
		if (!manifest && entry.name !== MANIFEST_ENTRY) {
			throw new ArchiveDamagedError('Not a Darkroom backup: it does not start with a manifest.')
		}
		if (entry.name === TRAILER_ENTRY) {
			trailer = parseJson<Trailer>(await readAll(entry.stream), 'trailer')
			return
		}
		const hash = createHash('sha256')
		let bytes = 0
		const chunks: Buffer[] = []
		for await (const chunk of entry.stream) {
			hash.update(chunk)
			bytes += chunk.length
			if (entry.name === MANIFEST_ENTRY) chunks.push(chunk)
		}
		if (entry.name === MANIFEST_ENTRY) {
			manifest = parseJson<Manifest>(Buffer.concat(chunks), 'manifest')
			assertSupported(manifest)
		} else if (!entryKind(entry.name)) {
			throw new ArchiveDamagedError(`The archive holds an unexpected entry: ${entry.name}.`)
		}
		seen.push({ name: entry.name, bytes, sha256: hash.digest('hex') })
		if (seen.length % 1000 === 0) progress(`verified ${seen.length} entries`)
	})
	if (!manifest) throw new ArchiveDamagedError('The archive is empty.')
	if (!trailer) {
		throw new ArchiveDamagedError(
			'The archive is truncated: its trailer (the last entry) is missing.',
		)
	}
	compareWithTrailer(seen, trailer)
	return { manifest, trailer }
}

function compareWithTrailer(seen: TrailerEntry[], trailer: Trailer) {
	if (seen.length !== trailer.entries.length) {
		throw new ArchiveDamagedError(
			`The archive is damaged: it holds ${seen.length} entries, its trailer lists ${trailer.entries.length}.`,
		)
	}
	seen.forEach((entry, index) => {
		const listed = trailer.entries[index]!
		if (listed.name !== entry.name) {
			throw new ArchiveDamagedError(
				`The archive is damaged: entry ${index + 1} is ${entry.name}, its trailer says ${listed.name}.`,
			)
		}
		if (listed.bytes !== entry.bytes || listed.sha256 !== entry.sha256) {
			throw new ArchiveDamagedError(
				`The archive is damaged: ${entry.name} does not match its checksum.`,
			)
		}
	})
}

function assertSupported(manifest: Manifest) {
	if (manifest.format !== FORMAT) {
		throw new ArchiveDamagedError('Not a Darkroom backup: its manifest is of another format.')
	}
	if (manifest.formatVersion > FORMAT_VERSION) {
		throw new ArchiveDamagedError(
			`This archive has format version ${manifest.formatVersion}; this Darkroom reads up to ${FORMAT_VERSION}. Restore it with a newer Darkroom.`,
		)
	}
}

function parseJson<T>(data: Buffer, what: string): T {
	try {
		return JSON.parse(data.toString('utf8')) as T
	} catch {
		throw new ArchiveDamagedError(`The archive is damaged: its ${what} is not valid JSON.`)
	}
}

export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
	const chunks: Buffer[] = []
	for await (const chunk of stream) chunks.push(chunk)
	return Buffer.concat(chunks)
}
