import { eq } from 'drizzle-orm'
import { z } from 'zod'
import { users } from '../../db/schema'
import { db, type Tx } from '~/db.server'
import { ConflictError } from '~/errors'
import { parseInput } from '~/http/input.server'
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.server'

export const credentialsSchema = z.object({
	email: z
		.string({ error: 'Email is required' })
		.trim()
		.toLowerCase()
		.max(254, 'Email is too long')
		.pipe(z.email({ error: 'Enter a valid email address' })),
	password: z
		.string({ error: 'Password is required' })
		.min(8, 'Password must be at least 8 characters')
		.max(256, 'Password must be at most 256 characters'),
})

export type PublicUser = { id: string; email: string; createdAt: Date }

export const presentUser = (user: PublicUser) => ({
	id: user.id,
	email: user.email,
	createdAt: user.createdAt.toISOString(),
})

export async function registerUser(input: unknown): Promise<PublicUser> {
	const { email, password } = parseInput(credentialsSchema, input)
	const passwordHash = await hashPassword(password)
	const [user] = await db
		.insert(users)
		.values({ email, passwordHash })
		.onConflictDoNothing()
		.returning({ id: users.id, email: users.email, createdAt: users.createdAt })
	if (!user) throw new ConflictError('An account with this email already exists.')
	return user
}

/** The user for these credentials, or null: one answer for unknown email and wrong password. */
export async function verifyLogin(email: string, password: string): Promise<PublicUser | null> {
	const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()))
	if (!user) return verifyAgainstDummy(password).then(() => null)
	if (!(await verifyPassword(user.passwordHash, password))) return null
	return { id: user.id, email: user.email, createdAt: user.createdAt }
}

/**
 * Locks the user's row until the transaction ends: one user's writes that check
 * a per-user cap (tokens, webhooks) take turns, so two at once cannot both pass it.
 */
export async function lockUser(tx: Tx, userId: string) {
	await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update')
}
