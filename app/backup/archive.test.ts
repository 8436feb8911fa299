import { describe, expect, test } from 'vitest'
import {
	archiveCreatedAt,
	archiveName,
	countRows,
	entryKind,
	secretKeyFingerprint,
	tableChunkEntry,
} from './archive'

describe('archive names', () => {
	test('carry their creation time to the millisecond and sort by it', () => {
		const at = new Date('2026-12-06T03:30:00.123Z')
		expect(archiveName(at)).toBe('darkroom-2026-12-06T03-30-00-123Z.tar')
		expect(archiveCreatedAt(archiveName(at))).toEqual(at)
		expect(archiveName(new Date('2026-12-06T10:00:00Z')) > archiveName(at)).toBe(true)
	})

	test('anything else is not an archive: partial files, other names, impossible dates', () => {
		expect(archiveCreatedAt('.darkroom-2026-12-06T03-30-00-123Z.tar.partial')).toBeUndefined()
		expect(archiveCreatedAt('darkroom-2026-12-06T03-30-00-123Z.tar.gz')).toBeUndefined()
		expect(archiveCreatedAt('../darkroom-2026-12-06T03-30-00-123Z.tar')).toBeUndefined()
		expect(archiveCreatedAt('darkroom-2026-13-45T03-30-00-123Z.tar')).toBeUndefined()
	})
})

test('entry names say what they hold', () => {
	expect(entryKind('manifest.json')).toEqual({ kind: 'manifest' })
	expect(entryKind('trailer.json')).toEqual({ kind: 'trailer' })
	expect(entryKind(tableChunkEntry('webhook_deliveries', 3))).toEqual({
		kind: 'table',
		table: 'webhook_deliveries',
	})
	expect(entryKind('objects/images/u/i/original.jpg')).toEqual({
		kind: 'object',
		key: 'images/u/i/original.jpg',
	})
	expect(entryKind('tables/../etc/000000.copy')).toBeUndefined()
	expect(entryKind('something-else')).toBeUndefined()
})

test('COPY text rows are counted by their line ends (newlines in values are escaped)', () => {
	expect(countRows(Buffer.from(''))).toBe(0)
	expect(countRows(Buffer.from('1\ta\\nb\n2\t\\N\n'))).toBe(2)
})

test('the key fingerprint tells keys apart without revealing them', () => {
	const key = 'k'.repeat(40)
	expect(secretKeyFingerprint(key)).toMatch(/^[0-9a-f]{16}$/)
	expect(secretKeyFingerprint(key)).toBe(secretKeyFingerprint(key))
	expect(secretKeyFingerprint(key)).not.toBe(secretKeyFingerprint('j'.repeat(40)))
	expect(secretKeyFingerprint(key)).not.toContain('kkkk')
})
