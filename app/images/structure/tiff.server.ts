import { assertStructure, readExact, type Reader } from './reader.server'

// A TIFF is a header pointing at a chain of IFDs (tag directories). Each IFD
// says where its pixel data lives, as strips or tiles: offset and byte-count
// arrays. Truncation shows as an IFD, a tag value or a strip/tile that reaches
// past the end of the file. Classic TIFF and BigTIFF are both walked.

const STRIP_OFFSETS = 273
const STRIP_BYTE_COUNTS = 279
const TILE_OFFSETS = 324
const TILE_BYTE_COUNTS = 325

/** Bytes per value of each TIFF field type; unknown types are skipped, as the spec asks. */
const TYPE_SIZES: Record<number, number> = {
	1: 1,
	2: 1,
	3: 2,
	4: 4,
	5: 8,
	6: 1,
	7: 1,
	8: 2,
	9: 4,
	10: 8,
	11: 4,
	12: 8,
	13: 4,
	16: 8,
	17: 8,
	18: 8,
}
const MAX_IFDS = 10_000
const MAX_ENTRIES = 4096

type Layout = { little: boolean; big: boolean }
type Entry = { tag: number; type: number; count: number; valueAt: number }

export async function checkTiff(reader: Reader): Promise<void> {
	const header = await readExact(reader, 0, 8)
	const order = header.toString('latin1', 0, 2)
	assertStructure(order === 'II' || order === 'MM', 'no TIFF byte order')
	const little = order === 'II'
	const magic = little ? header.readUInt16LE(2) : header.readUInt16BE(2)
	assertStructure(magic === 42 || magic === 43, 'no TIFF magic number')
	const layout = { little, big: magic === 43 }
	let ifd: number
	if (layout.big) {
		const rest = await readExact(reader, 4, 12)
		assertStructure(
			uint(rest, 0, 2, little) === 8 && uint(rest, 2, 2, little) === 0,
			'bad BigTIFF header',
		)
		ifd = uint(rest, 4, 8, little)
	} else {
		ifd = uint(header, 4, 4, little)
	}
	assertStructure(ifd !== 0, 'no IFD')
	const seen = new Set<number>()
	while (ifd !== 0) {
		assertStructure(!seen.has(ifd) && seen.size < MAX_IFDS, 'IFD chain loops')
		seen.add(ifd)
		ifd = await checkIfd(reader, layout, ifd, seen.size === 1)
	}
}

/** Checks one IFD and returns the offset of the next (0 at the end of the chain). */
async function checkIfd(reader: Reader, layout: Layout, at: number, first: boolean) {
	const { little, big } = layout
	const countSize = big ? 8 : 2
	const entrySize = big ? 20 : 12
	const nextSize = big ? 8 : 4
	assertStructure(at >= 8 && at + countSize <= reader.size, 'IFD offset out of range')
	const count = uint(await readExact(reader, at, countSize), 0, countSize, little)
	assertStructure(count > 0 && count <= MAX_ENTRIES, 'implausible IFD entry count')
	const body = await readExact(reader, at + countSize, count * entrySize + nextSize)
	const entries = new Map<number, Entry>()
	for (let i = 0; i < count; i++) {
		const entry = parseEntry(body, i * entrySize, at + countSize, layout)
		const typeSize = TYPE_SIZES[entry.type]
		if (typeSize === undefined) continue
		// Values that do not fit in the entry live elsewhere and must be in the file.
		const bytes = entry.count * typeSize
		if (bytes > (big ? 8 : 4)) {
			assertStructure(entry.valueAt + bytes <= reader.size, 'tag value past end of file')
		}
		entries.set(entry.tag, entry)
	}
	const strips = await checkData(reader, layout, entries, STRIP_OFFSETS, STRIP_BYTE_COUNTS)
	const tiles = await checkData(reader, layout, entries, TILE_OFFSETS, TILE_BYTE_COUNTS)
	// Later IFDs may be thumbnails or metadata-only; the first must hold the image.
	if (first) assertStructure(strips || tiles, 'first IFD has no strips or tiles')
	return uint(body, count * entrySize, nextSize, little)
}

function parseEntry(body: Buffer, offset: number, bodyAt: number, { little, big }: Layout): Entry {
	const tag = uint(body, offset, 2, little)
	const type = uint(body, offset + 2, 2, little)
	const count = uint(body, offset + 4, big ? 8 : 4, little)
	const field = offset + (big ? 12 : 8)
	const typeSize = TYPE_SIZES[type] ?? 1
	const inline = count * typeSize <= (big ? 8 : 4)
	const valueAt = inline ? bodyAt + field : uint(body, field, big ? 8 : 4, little)
	return { tag, type, count, valueAt }
}

/** Every offset + byte count pair of one strip/tile layout lies in the file. */
async function checkData(
	reader: Reader,
	layout: Layout,
	entries: Map<number, Entry>,
	offsetsTag: number,
	countsTag: number,
): Promise<boolean> {
	const offsets = entries.get(offsetsTag)
	if (!offsets) return false
	const counts = entries.get(countsTag)
	const starts = await readValues(reader, layout, offsets)
	assertStructure(starts.length > 0, 'empty offsets array')
	// Without byte counts libtiff estimates them; each offset must still be in the file.
	const lengths = counts ? await readValues(reader, layout, counts) : starts.map(() => 1)
	assertStructure(lengths.length === starts.length, 'offsets and byte counts differ in number')
	for (let i = 0; i < starts.length; i++) {
		assertStructure(starts[i]! + lengths[i]! <= reader.size, 'strip or tile past end of file')
	}
	return true
}

/** SHORT, LONG or LONG8 values of one entry. */
async function readValues(reader: Reader, { little }: Layout, entry: Entry): Promise<number[]> {
	const size =
		entry.type === 3 ? 2 : entry.type === 4 || entry.type === 13 ? 4 : entry.type === 16 ? 8 : 0
	assertStructure(size > 0, 'offsets or counts of an unexpected type')
	const bytes = await readExact(reader, entry.valueAt, entry.count * size)
	const values: number[] = []
	for (let i = 0; i < entry.count; i++) values.push(uint(bytes, i * size, size, little))
	return values
}

/** An unsigned integer of 1, 2, 4 or 8 bytes (8-byte values beyond 2^53 are clamped, still "too far"). */
function uint(bytes: Buffer, offset: number, size: number, little: boolean): number {
	if (size === 8) {
		const value = little ? bytes.readBigUInt64LE(offset) : bytes.readBigUInt64BE(offset)
		return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value)
	}
	return little ? bytes.readUIntLE(offset, size) : bytes.readUIntBE(offset, size)
}
