import { assertStructure, readExact, type Reader } from './reader.server'

// HEIC and AVIF are ISO-BMFF (HEIF) files: a sequence of boxes (size, type).
// The pixels are items whose bytes the `iloc` box in `meta` locates, usually
// inside `mdat`. A truncated file shows as a box or an item extent that runs
// past the end of the file.

type Box = { type: string; start: number; payload: number; end: number }

export async function checkIsobmff(reader: Reader): Promise<void> {
	const boxes = await readBoxes(reader, 0, reader.size, hasEssentials)
	assertStructure(boxes[0]?.type === 'ftyp', 'ftyp is not the first box')
	assertStructure(
		boxes.some((box) => box.type === 'mdat'),
		'no mdat box',
	)
	const meta = boxes.find((box) => box.type === 'meta')
	assertStructure(meta, 'no meta box')
	// meta is a full box: version and flags come before its children.
	const children = await readBoxes(reader, meta.payload + 4, meta.end)
	const iloc = children.find((box) => box.type === 'iloc')
	assertStructure(iloc, 'no iloc box')
	const idat = children.find((box) => box.type === 'idat')
	await checkItemLocations(reader, iloc, idat)
}

/**
 * The boxes between `pos` and `end`, each checked to fit. Once `complete` holds,
 * bytes that are not a whole box are trailing junk, which libheif ignores too.
 */
async function readBoxes(
	reader: Reader,
	pos: number,
	end: number,
	complete: (boxes: Box[]) => boolean = () => false,
): Promise<Box[]> {
	const boxes: Box[] = []
	while (pos < end) {
		const box = await readBox(reader, pos, end)
		if (!box) {
			assertStructure(complete(boxes), 'box past end')
			break
		}
		boxes.push(box)
		pos = box.end
	}
	return boxes
}

/** The box at `pos`, or null if it does not fit before `end`. */
async function readBox(reader: Reader, pos: number, end: number): Promise<Box | null> {
	if (pos + 8 > end) return null
	const header = await readExact(reader, pos, 8)
	const type = header.toString('latin1', 4, 8)
	let size = header.readUInt32BE(0)
	let payload = pos + 8
	if (size === 1) {
		if (pos + 16 > end) return null
		size = toNumber((await readExact(reader, pos + 8, 8)).readBigUInt64BE(0))
		payload += 8
	} else if (size === 0) {
		// Runs to the end of its container.
		size = end - pos
	}
	if (size < payload - pos || pos + size > end) return null
	return { type, start: pos, payload, end: pos + size }
}

function hasEssentials(boxes: Box[]) {
	const types = new Set(boxes.map((box) => box.type))
	return types.has('ftyp') && types.has('meta') && types.has('mdat')
}

/** Every extent of every item lies in the file (construction method 0) or in idat (method 1). */
async function checkItemLocations(reader: Reader, iloc: Box, idat: Box | undefined) {
	const bytes = await readExact(reader, iloc.payload, iloc.end - iloc.payload)
	let at = 0
	const take = (size: number) => {
		assertStructure(at + size <= bytes.length, 'iloc box too short')
		const value =
			size === 0 ? 0 : size === 8 ? toNumber(bytes.readBigUInt64BE(at)) : bytes.readUIntBE(at, size)
		at += size
		return value
	}
	const version = take(1)
	assertStructure(version <= 2, 'unknown iloc version')
	take(3)
	const sizes = take(1)
	const offsetSize = sizes >> 4
	const lengthSize = sizes & 15
	const moreSizes = take(1)
	const baseOffsetSize = moreSizes >> 4
	const indexSize = version > 0 ? moreSizes & 15 : 0
	for (const size of [offsetSize, lengthSize, baseOffsetSize, indexSize]) {
		assertStructure(size === 0 || size === 4 || size === 8, 'bad iloc field size')
	}
	const itemCount = take(version < 2 ? 2 : 4)
	for (let item = 0; item < itemCount; item++) {
		take(version < 2 ? 2 : 4)
		const method = version > 0 ? take(2) & 15 : 0
		const dataReference = take(2)
		const base = take(baseOffsetSize)
		const extentCount = take(2)
		for (let extent = 0; extent < extentCount; extent++) {
			take(indexSize)
			const offset = base + take(offsetSize)
			const length = take(lengthSize)
			// Data in another file (data reference) or in other items (method 2) cannot be checked here.
			if (dataReference !== 0 || method === 2) continue
			assertStructure(method <= 1, 'unknown construction method')
			const limit = method === 0 ? reader.size : idat ? idat.end - idat.payload : 0
			assertStructure(method === 0 || idat, 'idat item without an idat box')
			// A zero length means "to the end": only the start has to be in range.
			assertStructure(offset + length <= limit && offset <= limit, 'item extent past end')
		}
	}
}

function toNumber(value: bigint): number {
	return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value)
}
