import { and, count, desc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { sessions, type TokenScope, tokenScopes } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { db } from '#app/db.server'
import { ConflictError, InsufficientScopeError, NotFoundError } from '#app/errors'
import { isUuid } from '#app/validation'
import {
	type apiTokenSchema,
	type createdApiTokenSchema,
	MAX_ACTIVE_TOKENS,
	MAX_EXPIRY_DAYS,
	MAX_TOKEN_NAME_LENGTH,
	tokenScopesSchema,
} from './schemas'
import { clientOf, createSession, type RequestArgs } from './sessions.server'
import { lockUser } from './users.server'

// Personal API tokens: named, long-lived session rows (kind 'personal') that a
// user makes for scripts and other services. The secret is returned once by
// createApiToken; only its SHA-256 is kept, as for every session.

export const apiTokenInputSchema = z
	.object({
		name: z
			.string({ error: 'Name is required' })
			.trim()
			.min(1, 'Name is required')
			.max(MAX_TOKEN_NAME_LENGTH, `Name must be at most ${MAX_TOKEN_NAME_LENGTH} characters`)
			.meta({
				description: `A label to recognise it by; 1–${MAX_TOKEN_NAME_LENGTH} characters after trimming.`,
				examples: ['Backup script'],
			}),
		expiresInDays: z
			.number({ error: 'Expiry must be a whole number of days' })
			.int('Expiry must be a whole number of days')
			.min(1, 'Expiry must be at least 1 day')
			.max(MAX_EXPIRY_DAYS, `Expiry must be at most ${MAX_EXPIRY_DAYS} days`)
			.nullish()
			.meta({ description: 'Days until it expires; omitted or null: never.' }),
		scopes: tokenScopesSchema.optional().meta({
			description:
				'What it may do. Omitted: the scopes of the credential making it (every scope for a sign-in token or the browser session). A scope that credential lacks: `403`.',
		}),
	})
	.meta({ id: 'CreateApiTokenRequest' })

export type ApiTokenInput = z.output<typeof apiTokenInputSchema>

const tokenColumns = {
	id: sessions.id,
	name: sessions.name,
	createdAt: sessions.createdAt,
	expiresAt: sessions.expiresAt,
	lastUsedAt: sessions.lastUsedAt,
	scopes: sessions.scopes,
}

type TokenRow = {
	id: string
	name: string | null
	createdAt: Date
	expiresAt: Date | null
	lastUsedAt: Date | null
	scopes: TokenScope[]
}

/** The public shape of a token: never its secret or hash. */
export const presentApiToken = (row: TokenRow): z.input<typeof apiTokenSchema> => ({
	id: row.id,
	name: row.name ?? '',
	createdAt: row.createdAt.toISOString(),
	expiresAt: row.expiresAt?.toISOString() ?? null,
	lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
	// In the canonical order, whatever order they were asked for in.
	scopes: tokenScopes.filter((scope) => row.scopes.includes(scope)),
})

export type ApiToken = ReturnType<typeof presentApiToken>

const ownPersonal = (userId: string) =>
	and(eq(sessions.userId, userId), eq(sessions.kind, 'personal'), isNull(sessions.revokedAt))

/** Who makes a token: its owner, the scopes of the credential used, and the request. */
type Maker = { user: Actor; scopes: readonly TokenScope[]; args: RequestArgs }

type Actor = { id: string; email: string }

/**
 * Creates a token; the answer holds its secret, which is never available
 * again. A token never gets a scope its maker's credential lacks (403).
 */
export async function createApiToken(
	{ user, scopes: held, args }: Maker,
	{ name, expiresInDays, scopes: asked }: ApiTokenInput,
): Promise<z.input<typeof createdApiTokenSchema>> {
	const scopes = tokenScopes.filter((scope) => (asked ?? held).includes(scope))
	const missing = scopes.find((scope) => !held.includes(scope))
	if (missing) {
		throw new InsufficientScopeError(
			missing,
			`A token cannot grant what it does not hold: this one does not have the "${missing}" scope.`,
		)
	}
	const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null
	const userId = user.id
	return db.transaction(async (tx) => {
		await lockUser(tx, userId)
		const [active] = await tx
			.select({ n: count() })
			.from(sessions)
			.where(
				and(
					ownPersonal(userId),
					or(isNull(sessions.expiresAt), gt(sessions.expiresAt, sql`now()`)),
				),
			)
		if (active!.n >= MAX_ACTIVE_TOKENS) {
			throw new ConflictError(
				`You already have ${MAX_ACTIVE_TOKENS} active API tokens, the most allowed. Revoke one you no longer use first.`,
			)
		}
		const session = await createSession(userId, 'personal', clientOf(args), {
			name,
			expiresAt,
			scopes,
			executor: tx,
		})
		await recordAudit(
			args,
			{
				action: 'token.create',
				actor: user,
				target: { type: 'token', id: session.id },
				details: { name, scopes },
			},
			tx,
		)
		return {
			token: presentApiToken({ ...session, name, lastUsedAt: null }),
			secret: session.token,
		}
	})
}

/** The user's unrevoked personal tokens, newest first; expired ones stay until cleanup. */
export async function listApiTokens(userId: string): Promise<ApiToken[]> {
	const rows = await db
		.select(tokenColumns)
		.from(sessions)
		.where(ownPersonal(userId))
		.orderBy(desc(sessions.createdAt), desc(sessions.id))
	return rows.map(presentApiToken)
}

/** Revokes one of the user's tokens at once; anything else (another user's, a bad id) is 404. */
export async function revokeApiToken(args: RequestArgs, user: Actor, tokenId: string) {
	const notFound = new NotFoundError('No API token with this id.')
	if (!isUuid(tokenId)) throw notFound
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(sessions)
			.set({ revokedAt: new Date() })
			.where(and(ownPersonal(user.id), eq(sessions.id, tokenId)))
			.returning(tokenColumns)
		if (!row) throw notFound
		await recordAudit(
			args,
			{
				action: 'token.revoke',
				actor: user,
				target: { type: 'token', id: row.id },
				details: { name: row.name },
			},
			tx,
		)
		return presentApiToken(row)
	})
}
