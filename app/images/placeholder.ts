import { thumbHashToDataURL } from 'thumbhash'

// The API carries a ThumbHash as base64 (`placeholder`, ~25 bytes); pages turn
// it into a tiny PNG data URL shown blurred until the thumbnail has loaded.

/** A PNG data URL for a base64 ThumbHash; null for none or a malformed one. */
export function placeholderDataUrl(hash: string | null | undefined): string | null {
	if (!hash) return null
	try {
		return thumbHashToDataURL(Uint8Array.from(atob(hash), (c) => c.charCodeAt(0)))
	} catch {
		return null
	}
}
