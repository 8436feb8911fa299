import fs from 'node:fs/promises'

// Positioned reads over an open file, with one cached window so that walking
// many small headers costs one read per window, not one syscall per field.
// Nothing here ever holds more than a window (or one requested range) in memory.

/** Scan step for formats that have to look at every byte (JPEG entropy data, PNG CRCs). */
export const WINDOW = 64 * 1024

/** Thrown by the format checks; checkStructure turns it into the 422. */
export class BrokenStructure extends Error {}

export function assertStructure(condition: unknown, why: string): asserts condition {
	if (!condition) throw new BrokenStructure(why)
}

export type Reader = {
	size: number
	/** Up to `length` bytes at `offset`; shorter only at the end of the file. */
	read(offset: number, length: number): Promise<Buffer>
}

export async function withReader<T>(
	filePath: string,
	check: (reader: Reader) => Promise<T>,
): Promise<T> {
	const handle = await fs.open(filePath, 'r')
	try {
		const { size } = await handle.stat()
		return await check(windowedReader(handle, size))
	} finally {
		await handle.close()
	}
}

function windowedReader(handle: fs.FileHandle, size: number): Reader {
	let start = 0
	let window = Buffer.alloc(0)
	return {
		size,
		async read(offset, length) {
			const end = Math.min(offset + length, size)
			if (offset >= end) return Buffer.alloc(0)
			if (offset >= start && end <= start + window.length) {
				return window.subarray(offset - start, end - start)
			}
			const want = Math.min(Math.max(end - offset, WINDOW), size - offset)
			const buffer = Buffer.allocUnsafe(want)
			let filled = 0
			while (filled < want) {
				const { bytesRead } = await handle.read(buffer, filled, want - filled, offset + filled)
				if (bytesRead === 0) break
				filled += bytesRead
			}
			start = offset
			window = buffer.subarray(0, filled)
			return window.subarray(0, Math.min(end - offset, filled))
		},
	}
}

/** Exactly `length` bytes at `offset`, or a broken structure if the file ends first. */
export async function readExact(reader: Reader, offset: number, length: number): Promise<Buffer> {
	assertStructure(offset >= 0 && offset + length <= reader.size, 'range past end of file')
	const bytes = await reader.read(offset, length)
	assertStructure(bytes.length === length, 'short read')
	return bytes
}
