import { type Authenticated, requireApiUser, requirePageUser } from '#app/auth/auth.server'
import type { RequestArgs } from '#app/auth/sessions.server'
import type { UserRole } from '#app/auth/users.server'
import { ForbiddenError } from '#app/errors'

/** Whether this account holds the admin role (stored on the user, decision 011). */
export const isAdmin = (user: { role: UserRole }) => user.role === 'admin'

/** The caller if they are an admin: 401 without a session, 403 for everyone else. */
export async function requireAdmin(args: RequestArgs): Promise<Authenticated> {
	// The sweep deletes images: a token needs the write scope as well.
	const auth = await requireApiUser(args, { scope: 'write' })
	if (!isAdmin(auth.user)) {
		throw new ForbiddenError('This action is reserved for administrators.')
	}
	return auth
}

/** For admin pages: the caller if they are an admin; for everyone else the page does not exist (404). */
export async function requirePageAdmin(args: RequestArgs): Promise<Authenticated> {
	const auth = await requirePageUser(args)
	if (!isAdmin(auth.user)) throw new Response('Not found', { status: 404 })
	return auth
}
