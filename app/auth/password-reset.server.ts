import { and, eq, gt, isNull } from 'drizzle-orm'
import { z } from 'zod'
import { passwordResets, users } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { db } from '#app/db.server'
import { NotFoundError } from '#app/errors'
import { parseInput } from '#app/validation'
import {
	EMAIL_AS_PASSWORD_MESSAGE,
	hashPassword,
	isEmailAsPassword,
	newPasswordSchema,
} from './password.server'
import { hashToken, type RequestArgs, revokeAllSessions } from './sessions.server'
import { assertAccountEnabled, type PublicUser } from './users.server'

// Using a password-reset link an admin made (app/admin/users.server.ts): the
// person chooses a new password, the link is spent, every session and token
// of the account stops working, and this browser is signed in.

export type ResetLinkState =
	{ state: 'valid'; email: string } | { state: 'used' | 'expired' | 'unknown' }

/** What the link is: still good (for whose account), or why not. */
export async function passwordResetState(token: string): Promise<ResetLinkState> {
	const [row] = await db
		.select({
			email: users.email,
			usedAt: passwordResets.usedAt,
			expiresAt: passwordResets.expiresAt,
		})
		.from(passwordResets)
		.innerJoin(users, eq(users.id, passwordResets.userId))
		.where(eq(passwordResets.tokenHash, hashToken(token)))
	if (!row) return { state: 'unknown' }
	if (row.usedAt) return { state: 'used' }
	if (row.expiresAt <= new Date()) return { state: 'expired' }
	return { state: 'valid', email: row.email }
}

export const RESET_LINK_GONE_MESSAGE =
	'This password-reset link has expired or was already used. Ask an administrator for a new one.'

const resetSchemaFor = (email: string) =>
	z
		.object({ newPassword: newPasswordSchema })
		.refine(({ newPassword }) => !isEmailAsPassword(newPassword, email), {
			message: EMAIL_AS_PASSWORD_MESSAGE,
			path: ['newPassword'],
		})

/**
 * Sets the account's new password with the link, once: the same rules as
 * registration, and not the email. Spends the link and revokes every session
 * and token in one transaction. Returns the user, for a new browser session.
 */
export async function resetPassword(
	args: RequestArgs,
	token: string,
	input: unknown,
): Promise<PublicUser> {
	const link = await passwordResetState(token)
	if (link.state !== 'valid') throw new NotFoundError(RESET_LINK_GONE_MESSAGE)
	const { newPassword } = parseInput(resetSchemaFor(link.email), input)
	const passwordHash = await hashPassword(newPassword)
	return db.transaction(async (tx) => {
		// Spent here, under the row's lock: of two uses at once, one finds it unused.
		const [spent] = await tx
			.update(passwordResets)
			.set({ usedAt: new Date() })
			.where(
				and(
					eq(passwordResets.tokenHash, hashToken(token)),
					isNull(passwordResets.usedAt),
					gt(passwordResets.expiresAt, new Date()),
				),
			)
			.returning({ userId: passwordResets.userId })
		if (!spent) throw new NotFoundError(RESET_LINK_GONE_MESSAGE)
		const [user] = await tx
			.update(users)
			.set({ passwordHash, failedSignIns: 0, signInBlockedUntil: null })
			.where(eq(users.id, spent.userId))
			.returning({
				id: users.id,
				email: users.email,
				createdAt: users.createdAt,
				disabledAt: users.disabledAt,
			})
		// A disabled account keeps its link until it is enabled again.
		assertAccountEnabled(user!)
		const revoked = await revokeAllSessions(user!.id, tx)
		await recordAudit(
			args,
			{
				action: 'auth.password_reset',
				actor: { id: user!.id, email: user!.email },
				target: { type: 'user', id: user!.id },
				details: { revoked },
			},
			tx,
		)
		return { id: user!.id, email: user!.email, createdAt: user!.createdAt }
	})
}
