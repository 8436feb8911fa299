import fs from 'node:fs/promises'

// Positioned reads over an open file through one reused window buffer, so that
// walking many small headers costs one read per window, not one syscall per
// field, and scanning a large file allocates nothing per chunk. Nothing here
// holds more than a window (or one requested range) in memory.

/** Window size: big enough that per-read overhead is small next to the copy. */
export const WINDOW = 256 * 1024

/** Thrown by the format checks; checkStructure turns it into the 422. */
export class BrokenStructure extends Error {}

export function assertStructure(condition: unknown, why: string): asserts condition {
	if (!condition) throw new BrokenStructure(why)
}

export type Reader = {
	size: number
	/**
	 * Up to `length` bytes at `offset`, shorter only at the end of the file.
	 * A view of the window: valid until the next read.
	 */
	read(offset: number, length: number): Promise<Buffer>
	/**
	 * The bytes from `offset` to the end of the window (empty only at the end of
	 * the file), for scans that walk a file in order. Valid until the next read.
	 */
	chunkAt(offset: number): Promise<Buffer>
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
	const buffer = Buffer.allocUnsafe(Math.min(WINDOW, size))
	let start = 0
	let filled = 0
	const load = async (offset: number) => {
		start = offset
		filled = await fill(handle, buffer.subarray(0, Math.min(WINDOW, size - offset)), offset)
	}
	const inWindow = (offset: number, end: number) => offset >= start && end <= start + filled
	return {
		size,
		async read(offset, length) {
			const end = Math.min(offset + length, size)
			if (offset >= end) return Buffer.alloc(0)
			if (end - offset > WINDOW) {
				// Larger than a window: a one-off buffer, left uncached.
				const bytes = Buffer.allocUnsafe(end - offset)
				return bytes.subarray(0, await fill(handle, bytes, offset))
			}
			if (!inWindow(offset, end)) await load(offset)
			return buffer.subarray(offset - start, Math.min(end, start + filled) - start)
		},
		async chunkAt(offset) {
			if (offset >= size) return Buffer.alloc(0)
			if (!inWindow(offset, offset + 1)) await load(offset)
			return buffer.subarray(offset - start, filled)
		},
	}
}

async function fill(handle: fs.FileHandle, target: Buffer, position: number): Promise<number> {
	let filled = 0
	while (filled < target.length) {
		const { bytesRead } = await handle.read(
			target,
			filled,
			target.length - filled,
			position + filled,
		)
		if (bytesRead === 0) break
		filled += bytesRead
	}
	return filled
}

/**
 * Exactly `length` bytes at `offset` as a copy the caller may keep, or a broken
 * structure if the file ends first.
 */
export async function readExact(reader: Reader, offset: number, length: number): Promise<Buffer> {
	assertStructure(offset >= 0 && offset + length <= reader.size, 'range past end of file')
	const bytes = await reader.read(offset, length)
	assertStructure(bytes.length === length, 'short read')
	return Buffer.from(bytes)
}
