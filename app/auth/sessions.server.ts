import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, or } from 'drizzle-orm'
import { sessions, users } from '../../db/schema'
import { config } from '~/config.server'
import { db } from '~/db.server'

// Browser sessions and API tokens are the same kind of row: a random secret
// handed to the client once, stored only as its SHA-256, with an expiry, revocable.

export type SessionKind = 'cookie' | 'token' | 'personal'

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export async function createSession(userId: string, kind: SessionKind) {
	const token = `drk_${randomBytes(32).toString('base64url')}`
	const expiresAt = new Date(Date.now() + config.sessionTtlDays * 86_400_000)
	const [session] = await db
		.insert(sessions)
		.values({ userId, kind, tokenHash: hashToken(token), expiresAt })
		.returning({ id: sessions.id })
	return { id: session!.id, token, expiresAt }
}

export async function findSession(token: string) {
	const [row] = await db
		.select({
			sessionId: sessions.id,
			kind: sessions.kind,
			lastUsedAt: sessions.lastUsedAt,
			user: { id: users.id, email: users.email, createdAt: users.createdAt },
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(
			and(
				eq(sessions.tokenHash, hashToken(token)),
				isNull(sessions.revokedAt),
				or(isNull(sessions.expiresAt), gt(sessions.expiresAt, new Date())),
			),
		)
	if (!row) return null
	// Touch at most once a minute: keeps "last used" useful without a write per request.
	if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
		await db.update(sessions).set({ lastUsedAt: new Date() }).where(eq(sessions.id, row.sessionId))
	}
	return row
}

export async function revokeSession(sessionId: string) {
	await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId))
}
