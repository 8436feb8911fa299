// Helpers shared by both drivers. They live apart from storage.server.ts so
// the drivers can use them without an import cycle (storage.server.ts imports
// the drivers to pick one).

// Segments may not start with a dot: no `.`/`..`, no hidden files, and the
// local driver's `.name.tmp` files can never collide with a key.
const KEY_PATTERN = /^[a-z0-9_-][a-z0-9_.-]*(\/[a-z0-9_-][a-z0-9_.-]*)*$/

export function isValidKey(key: string): boolean {
	return KEY_PATTERN.test(key) && !key.includes('..') && key.length <= 1024
}

/** Keys are derived from ids, so a bad one is a programming error, not user input. */
export function assertValidKey(key: string): void {
	if (!isValidKey(key)) throw new Error(`Invalid storage key: ${JSON.stringify(key)}`)
}

/** A list prefix: empty, or the start of a valid key (`images/`, `images/u1/`). */
export function assertValidPrefix(prefix: string): void {
	if (prefix !== '' && !isValidKey(prefix.replace(/\/$/, ''))) {
		throw new Error(`Invalid storage prefix: ${JSON.stringify(prefix)}`)
	}
}

export type SigningWindow = { signedAt: Date; expiresAt: Date }

/**
 * Signed URLs expire on a grid of `windowSeconds`, so every request in one
 * window gets the same URL (cacheable) and each still lives at least
 * `ttlSeconds` and less than `ttlSeconds + windowSeconds`. `signedAt` is the
 * earliest moment that maps to the same expiry, so it never lies in the future.
 * A window of 0 means one-second steps: URLs then change every second.
 */
export function signingWindow(
	nowMs: number,
	ttlSeconds: number,
	windowSeconds: number,
): SigningWindow {
	const step = Math.max(1, windowSeconds) * 1000
	const expiresAtMs = Math.ceil((nowMs + ttlSeconds * 1000) / step) * step
	return {
		signedAt: new Date(expiresAtMs - ttlSeconds * 1000 - step),
		expiresAt: new Date(expiresAtMs),
	}
}

/**
 * An RFC 6266 Content-Disposition value: an ASCII `filename` for old clients
 * and `filename*` with the exact UTF-8 name for everyone else.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename: string): string {
	// Control characters never belong in a name; lone surrogates would make encodeURIComponent throw.
	const clean = filename.replace(/[\p{Cc}]/gu, '').replace(/\p{Cs}/gu, '\uFFFD')
	if (!clean) return disposition
	return `${disposition}; filename="${asciiFallback(clean)}"; filename*=UTF-8''${encodeRfc8187(clean)}`
}

function asciiFallback(filename: string): string {
	const ascii = filename
		// "café" → "cafe" rather than "caf_".
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.replace(/[^\x20-\x7e]/g, '_')
		// Quotes and backslashes would end or escape the quoted string; `%` is
		// percent-decoded by some browsers.
		.replace(/["\\%]/g, '')
		.trim()
	return ascii || 'download'
}

function encodeRfc8187(value: string): string {
	// encodeURIComponent leaves ' ( ) * unescaped, which RFC 8187 attr-char does not allow.
	return encodeURIComponent(value).replace(
		/['()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
	)
}
