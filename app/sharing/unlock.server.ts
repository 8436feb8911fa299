import { createCookie } from '@remix-run/node'
import { sessionCookieSecure } from '#app/auth/auth.server'
import { getSecretKeys } from '#app/config.server'
import { shareLinkPath, type ShareLinkRow } from './links.server'

// A password link, once its password is typed: a signed, HttpOnly cookie
// scoped to that link's path (/s/<token>), naming the link and good for 12
// hours. The page and its downloads check it on every request.

const UNLOCK_HOURS = 12

const unlockCookie = createCookie('darkroom_share', {
	httpOnly: true,
	sameSite: 'lax',
	maxAge: UNLOCK_HOURS * 3600,
	secrets: getSecretKeys(),
})

type Unlock = { linkId: string; until: number }

/** Whether this request may see the link: it has no password, or its cookie names the link. */
export async function isUnlocked(request: Request, link: ShareLinkRow) {
	if (link.passwordHash === null) return true
	const value = (await unlockCookie.parse(request.headers.get('Cookie'))) as Unlock | null
	return value?.linkId === link.id && value.until > Date.now()
}

/** The Set-Cookie header that unlocks the link for this browser. */
export function unlockLink(request: Request, link: ShareLinkRow) {
	const value: Unlock = { linkId: link.id, until: Date.now() + UNLOCK_HOURS * 3600_000 }
	return unlockCookie.serialize(value, {
		path: shareLinkPath(link.token),
		secure: sessionCookieSecure(request),
	})
}
