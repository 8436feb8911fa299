import { crc32 } from 'node:zlib'
import { assertStructure, readExact, type Reader } from './reader.server'

// A PNG is its signature, then chunks of length, type, data and CRC, from IHDR
// to IEND. Every CRC is checked: it is the only thing that notices a flipped
// byte, and zlib's crc32 runs at memory speed. Bytes after IEND are ignored,
// as decoders do.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const MAX_CHUNK_LENGTH = 0x7fffffff

export async function checkPng(reader: Reader): Promise<void> {
	assertStructure((await readExact(reader, 0, 8)).equals(SIGNATURE), 'no PNG signature')
	let pos = 8
	let sawData = false
	for (let index = 0; ; index++) {
		const header = await readExact(reader, pos, 8)
		const length = header.readUInt32BE(0)
		const type = header.toString('latin1', 4, 8)
		assertStructure(length <= MAX_CHUNK_LENGTH, 'chunk length too large')
		assertStructure(/^[A-Za-z]{4}$/.test(type), 'chunk type is not four letters')
		assertStructure(pos + 12 + length <= reader.size, 'chunk past end of file')
		assertStructure((index === 0) === (type === 'IHDR'), 'IHDR is not the first chunk')
		if (type === 'IHDR') assertStructure(length === 13, 'IHDR has the wrong length')
		if (type === 'IDAT') sawData = true
		await checkCrc(reader, pos + 4, length + 4)
		pos += 12 + length
		if (type === 'IEND') {
			assertStructure(sawData, 'no IDAT chunk')
			return
		}
	}
}

/** CRC over the type and data (`length` bytes at `pos`), compared with the 4 bytes after them. */
async function checkCrc(reader: Reader, pos: number, length: number) {
	let crc = 0
	for (let done = 0; done < length;) {
		const piece = await reader.chunkAt(pos + done)
		assertStructure(piece.length > 0, 'chunk past end of file')
		const used = piece.subarray(0, length - done)
		crc = crc32(used, crc)
		done += used.length
	}
	const stored = (await readExact(reader, pos + length, 4)).readUInt32BE(0)
	assertStructure(crc === stored, 'chunk CRC mismatch')
}
