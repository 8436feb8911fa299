import { randomBytes } from 'node:crypto'
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm'
import type { z } from 'zod'
import { invites, type UserRole, users } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { db, type Tx } from '#app/db.server'
import { ForbiddenError, NotFoundError } from '#app/errors'
import { isUuid } from '#app/validation'
import {
	type createdInviteSchema,
	type Invite,
	type InviteInput,
	type InviteState,
} from './schemas'
import { hashToken, type RequestArgs } from './sessions.server'

// Invite links (docs/decisions/019-registration-modes.md): an admin makes one
// for up to N accounts, with an expiry and the role it grants. Only the
// secret's SHA-256 is stored; the link is shown once. Registering through a
// valid invite needs no other permission, whatever the registration mode.

type InviteRow = typeof invites.$inferSelect & { createdByEmail: string | null }

function stateOf(row: typeof invites.$inferSelect, now = new Date()): InviteState {
	if (row.revokedAt) return 'revoked'
	if (row.uses >= row.maxUses) return 'used'
	if (row.expiresAt <= now) return 'expired'
	return 'active'
}

const presentInvite = (row: InviteRow): Invite => ({
	id: row.id,
	role: row.role,
	maxUses: row.maxUses,
	uses: row.uses,
	note: row.note,
	state: stateOf(row),
	createdBy: row.createdByEmail,
	createdAt: row.createdAt.toISOString(),
	expiresAt: row.expiresAt.toISOString(),
	revokedAt: row.revokedAt?.toISOString() ?? null,
})

const inviteColumns = {
	id: invites.id,
	tokenHash: invites.tokenHash,
	role: invites.role,
	maxUses: invites.maxUses,
	uses: invites.uses,
	note: invites.note,
	createdBy: invites.createdBy,
	createdAt: invites.createdAt,
	expiresAt: invites.expiresAt,
	revokedAt: invites.revokedAt,
	createdByEmail: users.email,
}

type Admin = { id: string; email: string }

/** Makes an invite; the answer holds its link, which is never available again. */
export async function createInvite(
	args: RequestArgs,
	admin: Admin,
	input: InviteInput,
	baseUrl: string,
): Promise<z.input<typeof createdInviteSchema>> {
	const secret = `inv_${randomBytes(24).toString('base64url')}`
	return db.transaction(async (tx) => {
		const [row] = await tx
			.insert(invites)
			.values({
				tokenHash: hashToken(secret),
				role: input.role,
				maxUses: input.maxUses,
				note: input.note,
				createdBy: admin.id,
				expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
			})
			.returning()
		await recordAudit(
			args,
			{
				action: 'invite.create',
				actor: admin,
				target: { type: 'invite', id: row!.id },
				details: { role: input.role, maxUses: input.maxUses, expiresInDays: input.expiresInDays },
			},
			tx,
		)
		const link = `${baseUrl}/register?invite=${encodeURIComponent(secret)}`
		return { invite: presentInvite({ ...row!, createdByEmail: admin.email }), link }
	})
}

/** Every invite, newest first, with its use: never a secret. */
export async function listInvites(): Promise<Invite[]> {
	const rows = await db
		.select(inviteColumns)
		.from(invites)
		.leftJoin(users, eq(users.id, invites.createdBy))
		.orderBy(desc(invites.createdAt), desc(invites.id))
	return rows.map(presentInvite)
}

/** Revokes an invite at once; an unknown or already revoked one is 404. */
export async function revokeInvite(args: RequestArgs, admin: Admin, inviteId: string) {
	const notFound = new NotFoundError('No invite with this id, or it was already revoked.')
	if (!isUuid(inviteId)) throw notFound
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(invites)
			.set({ revokedAt: sql`now()` })
			.where(and(eq(invites.id, inviteId), isNull(invites.revokedAt)))
			.returning()
		if (!row) throw notFound
		await recordAudit(
			args,
			{ action: 'invite.revoke', actor: admin, target: { type: 'invite', id: row.id } },
			tx,
		)
		return presentInvite({ ...row, createdByEmail: null })
	})
}

const REFUSALS: Record<Exclude<InviteState, 'active'> | 'unknown', string> = {
	unknown:
		'This invite link is not valid. Check that it was copied whole, or ask an admin for a new one.',
	used: 'This invite link has already been used. Ask an admin for a new one.',
	expired: 'This invite link has expired. Ask an admin for a new one.',
	revoked: 'This invite link was revoked. Ask an admin for a new one.',
}

/** What an invite link offers, for the registration page: its role, or why it is refused. */
export async function inspectInvite(
	secret: string,
): Promise<{ role: UserRole; refusal: null } | { role: null; refusal: string }> {
	const [row] = await db
		.select()
		.from(invites)
		.where(eq(invites.tokenHash, hashToken(secret)))
	if (!row) return { role: null, refusal: REFUSALS.unknown }
	const state = stateOf(row)
	return state === 'active'
		? { role: row.role, refusal: null }
		: { role: null, refusal: REFUSALS[state] }
}

/**
 * Takes one use of the invite inside the registration's transaction and
 * answers it; 403 naming why when it cannot. One conditional update, so two
 * registrations at once cannot take more uses than it has.
 */
export async function redeemInvite(tx: Tx, secret: string) {
	const tokenHash = hashToken(secret)
	const [taken] = await tx
		.update(invites)
		.set({ uses: sql`${invites.uses} + 1` })
		.where(
			and(
				eq(invites.tokenHash, tokenHash),
				isNull(invites.revokedAt),
				gt(invites.expiresAt, sql`now()`),
				lt(invites.uses, invites.maxUses),
			),
		)
		.returning({ id: invites.id, role: invites.role })
	if (taken) return taken
	const [row] = await tx.select().from(invites).where(eq(invites.tokenHash, tokenHash))
	const state = row ? stateOf(row) : 'unknown'
	throw new ForbiddenError(REFUSALS[state === 'active' ? 'used' : state])
}
