import { createHash, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { AppLoadContext } from '@remix-run/node'
import { and, desc, eq, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm'
import type { z } from 'zod'
import { sessions, type TokenScope, users } from '#db/schema'
import { config } from '#app/config.server'
import { db, type Db, type Tx } from '#app/db.server'
import { NotFoundError } from '#app/errors'
import { isUuid } from '#app/validation'
import { MAX_USER_AGENT_LENGTH, type sessionSchema } from './schemas'

// Browser sessions and API tokens are the same kind of row: a random secret
// handed to the client once, stored only as its SHA-256, with an expiry, revocable.

export type SessionKind = 'cookie' | 'token' | 'personal'

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/** A loader's or action's arguments: what a session needs to know of its client. */
export type RequestArgs = { request: Request; context?: AppLoadContext }

/** Who is on the other end, as the Sessions page shows it. */
export type Client = { userAgent: string | null; ip: string | null }

/**
 * The client's User-Agent and address. The address is server/web.ts's
 * `clientIp`, kept only when it is an IP (IPv4-mapped IPv6 shown as IPv4).
 */
export function clientOf({ request, context }: RequestArgs): Client {
	const userAgent = request.headers.get('User-Agent')?.trim().slice(0, MAX_USER_AGENT_LENGTH)
	const raw = context?.clientIp?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
	return { userAgent: userAgent || null, ip: raw && isIP(raw) ? raw : null }
}

type SessionOptions<Expiry extends Date | null> = {
	/** A personal token's label. */
	name?: string
	/** Defaults to SESSION_TTL_DAYS from now; null never expires (personal tokens only). */
	expiresAt?: Expiry
	/** A personal token's scopes; sign-ins hold every scope. */
	scopes?: TokenScope[]
	/** Runs the insert inside the caller's transaction. */
	executor?: Db | Tx
}

export async function createSession<Expiry extends Date | null = Date>(
	userId: string,
	kind: SessionKind,
	client: Client,
	{ name, expiresAt, scopes, executor = db }: SessionOptions<Expiry> = {},
) {
	const token = `drk_${randomBytes(32).toString('base64url')}`
	const expiry =
		expiresAt === undefined
			? (new Date(Date.now() + config.sessionTtlDays * 86_400_000) as Expiry)
			: expiresAt
	const [session] = await executor
		.insert(sessions)
		.values({
			userId,
			kind,
			name,
			scopes,
			tokenHash: hashToken(token),
			expiresAt: expiry,
			userAgent: client.userAgent,
			ip: client.ip,
		})
		.returning({ id: sessions.id, createdAt: sessions.createdAt, scopes: sessions.scopes })
	return {
		id: session!.id,
		token,
		expiresAt: expiry,
		createdAt: session!.createdAt,
		scopes: session!.scopes,
	}
}

const isLive = () =>
	and(
		isNull(sessions.revokedAt),
		or(isNull(sessions.expiresAt), gt(sessions.expiresAt, new Date())),
	)

/**
 * The live session or token with this secret, or null. Marks it used (at
 * most once a minute) and notes the client it was used from then. A disabled
 * account's sessions are revoked when it is disabled; they are refused here
 * too, so a row missed by that (or made in a race with it) opens nothing.
 */
export async function findSession(token: string, client: Client) {
	const [row] = await db
		.select({
			sessionId: sessions.id,
			kind: sessions.kind,
			scopes: sessions.scopes,
			lastUsedAt: sessions.lastUsedAt,
			user: { id: users.id, email: users.email, createdAt: users.createdAt, role: users.role },
			// Read here so an upload's quota check needs no query of its own.
			quotaBytes: users.quotaBytes,
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(and(eq(sessions.tokenHash, hashToken(token)), isLive(), isNull(users.disabledAt)))
	if (!row) return null
	// Touch at most once a minute: keeps "last used" useful without a write per request.
	if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
		await db
			.update(sessions)
			.set({
				lastUsedAt: new Date(),
				userAgent: client.userAgent,
				// A caller without a load context does not know the address: keep the last one.
				...(client.ip ? { ip: client.ip } : {}),
			})
			.where(eq(sessions.id, row.sessionId))
	}
	return row
}

/** Revokes every live session and token of the user (disabled, or a reset password); returns how many. */
export async function revokeAllSessions(userId: string, executor: Db | Tx = db) {
	const rows = await executor
		.update(sessions)
		.set({ revokedAt: new Date() })
		.where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
		.returning({ id: sessions.id })
	return rows.length
}

export async function revokeSession(sessionId: string) {
	await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, sessionId))
}

/** Whether a session or token still authenticates (not revoked, not expired, not deleted). */
export async function isSessionActive(sessionId: string) {
	const [row] = await db
		.select({ id: sessions.id })
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), isLive()))
	return Boolean(row)
}

// ---------------------------------------------------------------------------
// The user's own view: Settings → Sessions and /api/sessions. Personal tokens
// have their own page and routes (api-tokens.server.ts).

const signInKinds: SessionKind[] = ['cookie', 'token']

const ownSignIns = (userId: string) =>
	and(eq(sessions.userId, userId), inArray(sessions.kind, signInKinds), isLive())

type SignInRow = {
	id: string
	kind: SessionKind
	createdAt: Date
	lastUsedAt: Date | null
	expiresAt: Date | null
	userAgent: string | null
	ip: string | null
}

/** The public shape of a sign-in: never its secret or hash. */
export const presentSignIn = (
	row: SignInRow,
	currentSessionId: string,
): z.input<typeof sessionSchema> => ({
	id: row.id,
	kind: row.kind === 'cookie' ? ('browser' as const) : ('api' as const),
	createdAt: row.createdAt.toISOString(),
	lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
	expiresAt: row.expiresAt?.toISOString() ?? null,
	userAgent: row.userAgent,
	ip: row.ip,
	current: row.id === currentSessionId,
})

export type SignIn = ReturnType<typeof presentSignIn>

/** The user's live browser sessions and API sign-in tokens, the current one first, then by last use. */
export async function listSignIns(userId: string, currentSessionId: string): Promise<SignIn[]> {
	const rows = await db
		.select({
			id: sessions.id,
			kind: sessions.kind,
			createdAt: sessions.createdAt,
			lastUsedAt: sessions.lastUsedAt,
			expiresAt: sessions.expiresAt,
			userAgent: sessions.userAgent,
			ip: sessions.ip,
		})
		.from(sessions)
		.where(ownSignIns(userId))
		.orderBy(
			sql`${sessions.lastUsedAt} desc nulls last`,
			desc(sessions.createdAt),
			desc(sessions.id),
		)
	const signIns = rows.map((row) => presentSignIn(row, currentSessionId))
	return [...signIns.filter((s) => s.current), ...signIns.filter((s) => !s.current)]
}

/** Revokes one of the user's sign-ins; anything else (a personal token, another user's, a bad id) is 404. */
export async function revokeSignIn(userId: string, sessionId: string) {
	const notFound = new NotFoundError('No active session with this id.')
	if (!isUuid(sessionId)) throw notFound
	const [row] = await db
		.update(sessions)
		.set({ revokedAt: new Date() })
		.where(and(ownSignIns(userId), eq(sessions.id, sessionId)))
		.returning({ id: sessions.id })
	if (!row) throw notFound
}

/**
 * Signs the user out everywhere but `keepSessionId`: every other live
 * sign-in, or with `personalTokens` every personal token too (a password
 * change). Returns how many stopped working.
 */
export async function revokeOtherSessions(
	userId: string,
	keepSessionId: string,
	{ personalTokens = false, executor = db }: { personalTokens?: boolean; executor?: Db | Tx } = {},
) {
	const rows = await executor
		.update(sessions)
		.set({ revokedAt: new Date() })
		.where(
			and(
				eq(sessions.userId, userId),
				ne(sessions.id, keepSessionId),
				personalTokens ? isLive() : ownSignIns(userId),
			),
		)
		.returning({ id: sessions.id })
	return rows.length
}
