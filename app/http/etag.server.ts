import { createHash } from 'node:crypto'

// Conditional GET for JSON answers. Signed URLs stay the same within a
// signing window, so an unchanged image gives the same bytes and a client
// revalidating with If-None-Match gets an empty 304 instead.

/**
 * 200 with the JSON body, a weak ETag (compression may re-encode the bytes)
 * and `Cache-Control: private, no-cache`; 304 without a body when the
 * request's If-None-Match already names that ETag.
 */
export function cacheableJson(request: Request, data: unknown): Response {
	const body = JSON.stringify(data)
	const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
	// no-cache: a client may keep the answer but must ask again each time.
	const headers = { ETag: etag, 'Cache-Control': 'private, no-cache' }
	if (ifNoneMatchMatches(request.headers.get('If-None-Match'), etag)) {
		return new Response(null, { status: 304, headers })
	}
	return new Response(body, {
		status: 200,
		headers: { ...headers, 'Content-Type': 'application/json' },
	})
}

/** Weak comparison, lists and `*` (RFC 9110 §13.1.2). */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
	if (!header) return false
	if (header.trim() === '*') return true
	const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
	return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}
