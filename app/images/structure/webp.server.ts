import { assertStructure, readExact, type Reader } from './reader.server'

// A WebP is one RIFF container: 'RIFF', a size, 'WEBP', then padded chunks.
// A file shorter than the RIFF size says is truncated; a chunk that runs past
// the RIFF size is inconsistent. Bytes after the RIFF are ignored, as libwebp does.

const IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'ANMF'])
/** ANMF payload: frame x, y, width-1, height-1 (3 bytes each), duration (3), flags (1). */
const ANMF_HEADER = 16

export async function checkWebp(reader: Reader): Promise<void> {
	const header = await readExact(reader, 0, 12)
	assertStructure(header.toString('latin1', 0, 4) === 'RIFF', 'no RIFF header')
	assertStructure(header.toString('latin1', 8, 12) === 'WEBP', 'not a WEBP RIFF')
	const riffEnd = 8 + header.readUInt32LE(4)
	assertStructure(riffEnd <= reader.size, 'RIFF size past end of file')
	const types = await walkChunks(reader, 12, riffEnd)
	assertStructure(
		types.some((type) => IMAGE_CHUNKS.has(type)),
		'no image chunk',
	)
}

/** Types of the chunks between `pos` and `end`, checking each fits. */
async function walkChunks(reader: Reader, pos: number, end: number): Promise<string[]> {
	const types: string[] = []
	while (pos < end) {
		assertStructure(pos + 8 <= end, 'chunk header past RIFF end')
		const header = await readExact(reader, pos, 8)
		const type = header.toString('latin1', 0, 4)
		const size = header.readUInt32LE(4)
		const dataEnd = pos + 8 + size
		assertStructure(dataEnd <= end, `${type} chunk past RIFF end`)
		await checkChunk(reader, type, pos + 8, size)
		types.push(type)
		// Chunks are padded to even sizes; a missing pad on the last chunk is tolerated.
		pos = Math.min(dataEnd + (size & 1), end)
	}
	return types
}

async function checkChunk(reader: Reader, type: string, pos: number, size: number) {
	if (type === 'VP8 ') {
		// Frame tag: bit 0 = not a key frame, bits 5.. = first partition size; key frame start code follows.
		assertStructure(size >= 10, 'VP8 chunk too small')
		const head = await readExact(reader, pos, 10)
		const tag = head.readUIntLE(0, 3)
		assertStructure((tag & 1) === 0, 'VP8 frame is not a key frame')
		assertStructure(10 + (tag >> 5) <= size, 'VP8 first partition past chunk end')
		assertStructure(head[3] === 0x9d && head[4] === 0x01 && head[5] === 0x2a, 'no VP8 start code')
	} else if (type === 'VP8L') {
		assertStructure(size >= 5, 'VP8L chunk too small')
		assertStructure((await readExact(reader, pos, 1))[0] === 0x2f, 'no VP8L signature')
	} else if (type === 'ANMF') {
		assertStructure(size >= ANMF_HEADER, 'ANMF chunk too small')
		const frame = await walkChunks(reader, pos + ANMF_HEADER, pos + size)
		assertStructure(
			frame.some((sub) => sub === 'VP8 ' || sub === 'VP8L'),
			'animation frame without image data',
		)
	}
}
