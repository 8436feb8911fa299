import { assertStructure, readExact, type Reader } from './reader.server'

// A GIF is a header, a logical screen descriptor with an optional global colour
// table, then extension and image blocks up to the 0x3B trailer. Block data
// comes in sub-blocks (a length byte, then that many bytes) ending with a zero.

const EXTENSION = 0x21
const IMAGE = 0x2c
const TRAILER = 0x3b

export async function checkGif(reader: Reader): Promise<void> {
	const header = await readExact(reader, 0, 13)
	const version = header.toString('latin1', 0, 6)
	assertStructure(version === 'GIF87a' || version === 'GIF89a', 'no GIF header')
	let pos = 13 + colorTableSize(header[10]!)
	let images = 0
	for (;;) {
		const block = (await readExact(reader, pos, 1))[0]
		if (block === TRAILER) {
			assertStructure(images > 0, 'no image')
			return
		}
		if (block === EXTENSION) {
			// Introducer and label, then sub-blocks.
			pos = await skipSubBlocks(reader, pos + 2)
		} else if (block === IMAGE) {
			// Introducer, then left, top, width, height (2 bytes each) and packed flags.
			const descriptor = await readExact(reader, pos, 10)
			pos += 10 + colorTableSize(descriptor[9]!)
			const codeSize = (await readExact(reader, pos, 1))[0]!
			assertStructure(codeSize >= 1 && codeSize <= 11, 'bad LZW minimum code size')
			pos = await skipSubBlocks(reader, pos + 1)
			images++
		} else {
			assertStructure(false, 'unknown GIF block')
		}
	}
}

/** Bytes in the colour table that a packed flags byte announces (none if its top bit is clear). */
function colorTableSize(flags: number) {
	return flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0
}

/** Offset just past the zero-length sub-block that ends the chain starting at `pos`. */
async function skipSubBlocks(reader: Reader, pos: number): Promise<number> {
	for (;;) {
		const chunk = await reader.chunkAt(pos)
		assertStructure(chunk.length > 0, 'file ends inside sub-blocks')
		// Walk within the chunk while the length byte is in it; re-read when it is not.
		let i = 0
		while (i < chunk.length) {
			const length = chunk[i]!
			if (length === 0) return pos + i + 1
			i += 1 + length
		}
		pos += i
	}
}
