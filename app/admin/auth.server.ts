import { type Authenticated, requireApiUser } from '~/auth/auth.server'
import { config } from '~/config.server'
import { ForbiddenError } from '~/errors'

/** Whether this user is listed in ADMIN_EMAILS (both sides lower-cased). */
export const isAdmin = (user: { email: string }) =>
	config.adminEmails.includes(user.email.toLowerCase())

/** The caller if their email is in ADMIN_EMAILS: 401 without a session, 403 for everyone else. */
export async function requireAdmin(request: Request): Promise<Authenticated> {
	const auth = await requireApiUser(request)
	if (!isAdmin(auth.user)) {
		throw new ForbiddenError('This action is reserved for administrators.')
	}
	return auth
}
