import { type Authenticated, requireApiUser } from '~/auth/auth.server'
import { config } from '~/config.server'
import { ForbiddenError } from '~/errors'

/** The caller if their email is in ADMIN_EMAILS: 401 without a session, 403 for everyone else. */
export async function requireAdmin(request: Request): Promise<Authenticated> {
	const auth = await requireApiUser(request)
	// Both sides are lower-cased: emails compare case-insensitively.
	if (!config.adminEmails.includes(auth.user.email.toLowerCase())) {
		throw new ForbiddenError('This action is reserved for administrators.')
	}
	return auth
}
