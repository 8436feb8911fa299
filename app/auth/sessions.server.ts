import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, or } from 'drizzle-orm'
import { sessions, users } from '../../db/schema'
import { config } from '~/config.server'
import { db, type Db, type Tx } from '~/db.server'

// Browser sessions and API tokens are the same kind of row: a random secret
// handed to the client once, stored only as its SHA-256, with an expiry, revocable.

export type SessionKind = 'cookie' | 'token' | 'personal'

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

type SessionOptions<Expiry extends Date | null> = {
	/** A personal token's label. */
	name?: string
	/** Defaults to SESSION_TTL_DAYS from now; null never expires (personal tokens only). */
	expiresAt?: Expiry
	/** Runs the insert inside the caller's transaction. */
	executor?: Db | Tx
}

export async function createSession<Expiry extends Date | null = Date>(
	userId: string,
	kind: SessionKind,
	{ name, expiresAt, executor = db }: SessionOptions<Expiry> = {},
) {
	const token = `drk_${randomBytes(32).toString('base64url')}`
	const expiry =
		expiresAt === undefined
			? (new Date(Date.now() + config.sessionTtlDays * 86_400_000) as Expiry)
			: expiresAt
	const [session] = await executor
		.insert(sessions)
		.values({ userId, kind, name, tokenHash: hashToken(token), expiresAt: expiry })
		.returning({ id: sessions.id, createdAt: sessions.createdAt })
	return { id: session!.id, token, expiresAt: expiry, createdAt: session!.createdAt }
}

export async function findSession(token: string) {
	const [row] = await db
		.select({
			sessionId: sessions.id,
			kind: sessions.kind,
			lastUsedAt: sessions.lastUsedAt,
			user: { id: users.id, email: users.email, createdAt: users.createdAt, role: users.role },
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

/** Whether a session or token still authenticates (not revoked, not expired, not deleted). */
export async function isSessionActive(sessionId: string) {
	const [row] = await db
		.select({ id: sessions.id })
		.from(sessions)
		.where(
			and(
				eq(sessions.id, sessionId),
				isNull(sessions.revokedAt),
				or(isNull(sessions.expiresAt), gt(sessions.expiresAt, new Date())),
			),
		)
	return Boolean(row)
}
