import { createCookie } from '@remix-run/node'
import { sessionCookieSecure } from '#app/auth/auth.server'
import { getSecretKeys } from '#app/config.server'
import { SHARE_PATH, type ShareLinkRow } from './links.server'

// A password link, once its password is typed: a signed, HttpOnly cookie of
// that link alone (its name carries the link's id), good for 12 hours. The
// page and its downloads check it on every request. Its path is /s, not
// /s/<token>: Remix fetches the page's data from /s/<token>.data, which a
// cookie scoped to /s/<token> would not reach.

const UNLOCK_HOURS = 12

const unlockCookie = (link: Pick<ShareLinkRow, 'id'>) =>
	createCookie(`darkroom_share_${link.id}`, {
		httpOnly: true,
		sameSite: 'lax',
		path: SHARE_PATH,
		maxAge: UNLOCK_HOURS * 3600,
		secrets: getSecretKeys(),
	})

type Unlock = { linkId: string; until: number }

/** Whether this request may see the link: it has no password, or its cookie names the link. */
export async function isUnlocked(request: Request, link: ShareLinkRow) {
	if (link.passwordHash === null) return true
	const cookie = unlockCookie(link)
	const value = (await cookie.parse(request.headers.get('Cookie'))) as Unlock | null
	return value?.linkId === link.id && value.until > Date.now()
}

/** The Set-Cookie header that unlocks the link for this browser. */
export function unlockLink(request: Request, link: ShareLinkRow) {
	const value: Unlock = { linkId: link.id, until: Date.now() + UNLOCK_HOURS * 3600_000 }
	return unlockCookie(link).serialize(value, { secure: sessionCookieSecure(request) })
}
