import { assertStructure, readExact, type Reader } from './reader.server'

// A JPEG is a chain of marker segments; after each SOS comes entropy-coded data
// up to the next real marker. A whole file walks that chain to EOI; a truncated
// one runs out of bytes first.

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda

export async function checkJpeg(reader: Reader): Promise<void> {
	const soi = await readExact(reader, 0, 2)
	assertStructure(soi[0] === 0xff && soi[1] === SOI, 'no SOI')
	let pos = 2
	let sawFrame = false
	let sawScan = false
	for (;;) {
		const { marker, at } = await nextMarker(reader, pos)
		pos = at
		if (marker === EOI) {
			assertStructure(sawFrame && sawScan, 'EOI before any scan')
			return
		}
		// Standalone markers carry no length.
		if (isRestart(marker) || marker === 0x01) continue
		assertStructure(marker !== SOI, 'second SOI')
		const length = (await readExact(reader, pos, 2)).readUInt16BE(0)
		assertStructure(length >= 2 && pos + length <= reader.size, 'segment past end of file')
		if (isFrame(marker)) sawFrame = true
		pos += length
		if (marker === SOS) {
			assertStructure(sawFrame, 'SOS before SOF')
			sawScan = true
			// A whole file ends with EOI; then the scans before it need no walk
			// (corrupt data inside them is the decoder's to find, in the worker).
			// Bytes after EOI (a camera's trailer) mean walking to find it.
			if (await endsWithEoi(reader, pos)) return
			pos = await skipEntropyData(reader, pos)
		}
	}
}

/** Whether the file's last two bytes, past `from`, are the EOI marker. */
async function endsWithEoi(reader: Reader, from: number) {
	if (reader.size - 2 < from) return false
	const tail = await readExact(reader, reader.size - 2, 2)
	return tail[0] === 0xff && tail[1] === EOI
}

/** The marker at `pos` (after any 0xFF fill bytes) and the offset just past it. */
async function nextMarker(reader: Reader, pos: number) {
	assertStructure((await readExact(reader, pos, 1))[0] === 0xff, 'expected a marker')
	let at = pos + 1
	for (;;) {
		const byte = (await readExact(reader, at, 1))[0]!
		at++
		if (byte !== 0xff) {
			assertStructure(byte !== 0x00, 'stuffed byte where a marker belongs')
			return { marker: byte, at }
		}
	}
}

/**
 * Offset of the first marker after entropy-coded data that starts at `pos`.
 * Only 0xFF bytes matter, so Buffer.indexOf skips the rest at native speed.
 * FF00 is a stuffed data byte and RSTn sits inside the scan; anything else ends it.
 */
async function skipEntropyData(reader: Reader, pos: number): Promise<number> {
	for (;;) {
		const chunk = await reader.chunkAt(pos)
		assertStructure(chunk.length > 0, 'file ends inside scan data')
		let i = chunk.indexOf(0xff)
		while (i !== -1 && i + 1 < chunk.length) {
			const next = chunk[i + 1]!
			if (endsScan(next)) return pos + i
			// Fill bytes (FF FF ...) before a marker: look again from the last one.
			i = chunk.indexOf(0xff, next === 0xff ? i + 1 : i + 2)
		}
		if (i === -1) {
			pos += chunk.length
			continue
		}
		// The chunk's last byte is 0xFF: its successor is in the next window.
		const next = (await readExact(reader, pos + i + 1, 1))[0]!
		if (endsScan(next)) return pos + i
		pos += i + (next === 0xff ? 1 : 2)
	}
}

/** After 0xFF in scan data: stuffing (00), a restart or fill (FF) continue the scan. */
function endsScan(next: number) {
	return next !== 0x00 && next !== 0xff && !isRestart(next)
}

function isRestart(marker: number) {
	return marker >= 0xd0 && marker <= 0xd7
}

/** SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range. */
function isFrame(marker: number) {
	return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}
