/** UTF-8 bytes of a stored file name. */
export const MAX_FILENAME_BYTES = 255

// Control characters, and the bidi controls that let "gpj.exe" read as "exe.jpg".
const UNSAFE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu

/** The client's file name made safe to store and show: no path, no control characters, ≤ 255 bytes. */
export function safeFilename(input: string | undefined | null, fallbackExt = ''): string {
	const base = (input ?? '').split(/[/\\]/).pop() ?? ''
	let name = base.replace(/\s+/g, ' ').replace(UNSAFE, '').trim().replace(/^\.+/, '')
	if (!name) name = `image${fallbackExt ? `.${fallbackExt}` : ''}`
	return truncateUtf8(name, MAX_FILENAME_BYTES)
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character, keeping a short extension. */
function truncateUtf8(name: string, max: number): string {
	const encoder = new TextEncoder()
	if (encoder.encode(name).length <= max) return name
	const dot = name.lastIndexOf('.')
	const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : ''
	const budget = max - encoder.encode(ext).length
	let stem = ''
	let used = 0
	for (const char of name.slice(0, name.length - ext.length)) {
		const size = encoder.encode(char).length
		if (used + size > budget) break
		stem += char
		used += size
	}
	return stem + ext
}
