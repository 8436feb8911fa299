import { eq } from 'drizzle-orm'
import { z } from 'zod'
import { users } from '#db/schema'
import { db } from '#app/db.server'
import { ValidationError } from '#app/errors'
import { parseInput } from '#app/validation'
import type { LimitArgs } from '#app/rate-limit.server'
import {
	EMAIL_AS_PASSWORD_MESSAGE,
	hashPassword,
	isEmailAsPassword,
	newPasswordSchema,
	verifyPassword,
} from './password.server'
import { revokeOtherSessions } from './sessions.server'
import { throttleSignIn } from './throttle.server'

export const passwordChangeSchema = z.object({
	currentPassword: z
		.string({ error: 'Enter your current password' })
		.min(1, 'Enter your current password')
		.max(256, 'Password must be at most 256 characters'),
	// The same rules as at registration.
	newPassword: newPasswordSchema,
})

/** The change form's schema for this account: the new password is not its email either. */
const passwordChangeSchemaFor = (email: string) =>
	passwordChangeSchema.refine(({ newPassword }) => !isEmailAsPassword(newPassword, email), {
		message: EMAIL_AS_PASSWORD_MESSAGE,
		path: ['newPassword'],
	})

/** False for an account made by single sign-on: it has no password to change. */
export async function hasPassword(userId: string) {
	const [row] = await db
		.select({ passwordHash: users.passwordHash })
		.from(users)
		.where(eq(users.id, userId))
	return Boolean(row?.passwordHash)
}

/**
 * Changes the user's password after checking the current one, and signs out
 * every other browser, API sign-in and personal token: whoever knew the old
 * password (or holds a token made with it) is out. `keepSessionId` stays.
 * A wrong current password counts as a failed sign-in for the account's email
 * (RATE_LIMIT_LOGIN, per address) and changes nothing. Returns how many
 * sessions and tokens were revoked.
 */
export async function changePassword(
	args: LimitArgs,
	user: { id: string; email: string },
	keepSessionId: string,
	input: unknown,
) {
	const { currentPassword, newPassword } = parseInput(passwordChangeSchemaFor(user.email), input)
	const [row] = await db
		.select({ passwordHash: users.passwordHash })
		.from(users)
		.where(eq(users.id, user.id))
	const verified = await throttleSignIn(args, user.email, async () =>
		row && (await verifyPassword(row.passwordHash, currentPassword)) ? { id: user.id } : null,
	)
	if (!verified) {
		const message = 'Your current password is not correct.'
		throw new ValidationError(`currentPassword: ${message}`, [{ path: 'currentPassword', message }])
	}
	const passwordHash = await hashPassword(newPassword)
	return db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id))
		return revokeOtherSessions(user.id, keepSessionId, { personalTokens: true, executor: tx })
	})
}
