import { type Authenticated, requireApiUser } from '~/auth/auth.server'
import type { RequestArgs } from '~/auth/sessions.server'
import { config } from '~/config.server'
import { ForbiddenError } from '~/errors'

/** Whether this user is listed in ADMIN_EMAILS (both sides lower-cased). */
export const isAdmin = (user: { email: string }) =>
	config.adminEmails.includes(user.email.toLowerCase())

/** The caller if their email is in ADMIN_EMAILS: 401 without a session, 403 for everyone else. */
export async function requireAdmin(args: RequestArgs): Promise<Authenticated> {
	// The sweep deletes images: a token needs the write scope as well.
	const auth = await requireApiUser(args, { scope: 'write' })
	if (!isAdmin(auth.user)) {
		throw new ForbiddenError('This action is reserved for administrators.')
	}
	return auth
}
