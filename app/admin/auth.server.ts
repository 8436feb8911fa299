import { type Authenticated, requireApiUser } from '~/auth/auth.server'
import type { UserRole } from '~/auth/users.server'
import { ForbiddenError } from '~/errors'

/** Whether this account holds the admin role (stored on the user, decision 011). */
export const isAdmin = (user: { role: UserRole }) => user.role === 'admin'

/** The caller if they are an admin: 401 without a session, 403 for everyone else. */
export async function requireAdmin(request: Request): Promise<Authenticated> {
	const auth = await requireApiUser(request)
	if (!isAdmin(auth.user)) {
		throw new ForbiddenError('This action is reserved for administrators.')
	}
	return auth
}
