import { randomBytes } from 'node:crypto'
import { and, count, eq, gt, isNull, ne, sql } from 'drizzle-orm'
import type { z } from 'zod'
import { images, passwordResets, sessions, type UserRole, users, webhooks } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { hashToken, type RequestArgs, revokeAllSessions } from '#app/auth/sessions.server'
import { db, type Tx } from '#app/db.server'
import { ConflictError, ForbiddenError, NotFoundError } from '#app/errors'
import { deleteImageRows, removeImageObjects, type StoredImage } from '#app/images/delete.server'
import { baseUrlOf } from '#app/images/present.server'
import { isUuid } from '#app/validation'
import type { AdminUserPatch, adminUserSchema, passwordResetLinkSchema } from './user-schemas'

// An admin's view and changes of the instance's accounts (decision 020). The
// admin sees counts, bytes and cost, never an image. Every change that could
// leave the instance without an enabled admin (demote, disable, delete) takes
// one lock, so two admins acting on each other at once take turns.

export type Actor = { id: string; email: string }

export type AdminUser = z.input<typeof adminUserSchema>

/** Password-reset links work for a day. */
export const PASSWORD_RESET_TTL_MS = 24 * 60 * 60 * 1000

const ADMIN_CHANGES_LOCK = 7263542

/** The first moment of this UTC month: "this month" as the Usage page counts days. */
const monthStart = () => {
	const now = new Date()
	return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
}

/**
 * Every account (or the one with `userId`) with its totals, in one query:
 * images and sessions are aggregated once per user, never per row.
 */
async function selectAdminUsers(userId?: string): Promise<AdminUser[]> {
	const imageTotals = db
		.select({
			userId: images.userId,
			images: sql<number>`count(*) filter (where ${images.deletedAt} is null)`.as('images'),
			bytes: sql<string>`sum(${images.byteSize})`.as('bytes'),
			cost: sql<string>`sum((${images.ai}->>'costUsd')::numeric) filter (where ${images.aiCompletedAt} >= ${monthStart().toISOString()}::timestamptz)`.as(
				'cost',
			),
		})
		.from(images)
		.where(userId ? eq(images.userId, userId) : undefined)
		.groupBy(images.userId)
		.as('image_totals')
	const sessionTotals = db
		.select({
			userId: sessions.userId,
			// ISO 8601 text: a subquery's column comes back as the driver's raw string.
			lastActiveAt: sql<string | null>`to_char(
				max(greatest(${sessions.lastUsedAt}, ${sessions.createdAt})) at time zone 'UTC',
				'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('last_active_at'),
		})
		.from(sessions)
		.where(userId ? eq(sessions.userId, userId) : undefined)
		.groupBy(sessions.userId)
		.as('session_totals')
	const rows = await db
		.select({
			id: users.id,
			email: users.email,
			role: users.role,
			createdAt: users.createdAt,
			disabledAt: users.disabledAt,
			quotaBytes: users.quotaBytes,
			images: imageTotals.images,
			bytes: imageTotals.bytes,
			cost: imageTotals.cost,
			lastActiveAt: sessionTotals.lastActiveAt,
		})
		.from(users)
		.leftJoin(imageTotals, eq(imageTotals.userId, users.id))
		.leftJoin(sessionTotals, eq(sessionTotals.userId, users.id))
		.where(userId ? eq(users.id, userId) : undefined)
		.orderBy(users.email)
	return rows.map((row) => ({
		id: row.id,
		email: row.email,
		role: row.role,
		createdAt: row.createdAt.toISOString(),
		disabledAt: row.disabledAt?.toISOString() ?? null,
		quotaBytes: row.quotaBytes,
		images: Number(row.images ?? 0),
		bytesStored: Number(row.bytes ?? 0),
		aiCostUsdThisMonth: Math.round(Number(row.cost ?? 0) * 1e8) / 1e8,
		lastActiveAt: row.lastActiveAt,
	}))
}

/** Every account with its totals, by email. */
export const listUsers = () => selectAdminUsers()

/** One account with its totals; 404 for an unknown or malformed id. */
export async function getUser(userId: string): Promise<AdminUser> {
	const [user] = isUuid(userId) ? await selectAdminUsers(userId) : []
	if (!user) throw noSuchUser()
	return user
}

const noSuchUser = () => new NotFoundError('No account with this id.')

type Target = {
	id: string
	email: string
	role: UserRole
	disabledAt: Date | null
	quotaBytes: number | null
}

/**
 * Opens an admin change: takes the lock, checks that the actor is still an
 * enabled admin (one demoted a moment ago acts no more), and locks the target.
 */
async function beginAdminChange(tx: Tx, actor: Actor, userId: string): Promise<Target> {
	if (!isUuid(userId)) throw noSuchUser()
	await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_CHANGES_LOCK})`)
	const [self] = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.id, actor.id), eq(users.role, 'admin'), isNull(users.disabledAt)))
	if (!self) throw new ForbiddenError('This action is reserved for administrators.')
	const [target] = await tx
		.select({
			id: users.id,
			email: users.email,
			role: users.role,
			disabledAt: users.disabledAt,
			quotaBytes: users.quotaBytes,
		})
		.from(users)
		.where(eq(users.id, userId))
		.for('update')
	if (!target) throw noSuchUser()
	return target
}

/** Refuses (409) a change that would leave no enabled admin: `target` stops being one. */
async function assertNotLastAdmin(tx: Tx, target: Target, change: string) {
	if (target.role !== 'admin' || target.disabledAt) return
	const [others] = await tx
		.select({ n: count() })
		.from(users)
		.where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, target.id)))
	if (others!.n === 0) {
		throw new ConflictError(
			`${target.email} is the last enabled admin and cannot be ${change}: make another account an admin first.`,
		)
	}
}

/**
 * Applies an admin's changes to an account, all or none: role, disabled
 * (which revokes every session and token of the account at once), quota.
 * 409 for the last-admin rule and for disabling oneself.
 */
export async function updateUser(
	args: RequestArgs,
	actor: Actor,
	userId: string,
	patch: AdminUserPatch,
): Promise<AdminUser> {
	await db.transaction(async (tx) => {
		const target = await beginAdminChange(tx, actor, userId)
		const audit = (entry: Omit<Parameters<typeof recordAudit>[1], 'actor' | 'target'>) =>
			recordAudit(args, { ...entry, actor, target: { type: 'user', id: target.id } }, tx)
		if (patch.role !== undefined && patch.role !== target.role) {
			if (patch.role !== 'admin') await assertNotLastAdmin(tx, target, 'demoted')
			await tx.update(users).set({ role: patch.role }).where(eq(users.id, target.id))
			await audit({
				action: 'user.role',
				details: { email: target.email, from: target.role, to: patch.role },
			})
			target.role = patch.role
		}
		if (patch.disabled === true && !target.disabledAt) {
			if (target.id === actor.id) throw new ConflictError('You cannot disable your own account.')
			await assertNotLastAdmin(tx, target, 'disabled')
			await tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, target.id))
			const revoked = await revokeAllSessions(target.id, tx)
			await audit({ action: 'user.disable', details: { email: target.email, revoked } })
		} else if (patch.disabled === false && target.disabledAt) {
			await tx.update(users).set({ disabledAt: null }).where(eq(users.id, target.id))
			await audit({ action: 'user.enable', details: { email: target.email } })
		}
		if (patch.quotaBytes !== undefined && patch.quotaBytes !== target.quotaBytes) {
			await tx.update(users).set({ quotaBytes: patch.quotaBytes }).where(eq(users.id, target.id))
			await audit({
				action: 'user.quota',
				details: { email: target.email, from: target.quotaBytes, to: patch.quotaBytes },
			})
		}
	})
	return getUser(userId)
}

/** Ids per delete statement: well under Postgres's parameter limit. */
const DELETE_CHUNK = 1000

/**
 * Deletes the account with all its images: rows (and their jobs) in one
 * transaction with the account, then the files, through the one removal
 * path (storage down: queued in pending_deletions). Sessions, tokens and
 * webhooks go with the row. Not oneself, not the last enabled admin (409).
 */
export async function deleteUser(args: RequestArgs, actor: Actor, userId: string) {
	const removed = await db.transaction(async (tx) => {
		// The target's row is locked: an upload's insert (which checks the
		// account exists) waits, and then fails; none is left behind.
		const target = await beginAdminChange(tx, actor, userId)
		if (target.id === actor.id) throw new ConflictError('You cannot delete your own account.')
		await assertNotLastAdmin(tx, target, 'deleted')
		// Its webhooks first: deleting its images must not queue image.deleted deliveries to them.
		await tx.delete(webhooks).where(eq(webhooks.userId, target.id))
		const ids = await tx.select({ id: images.id }).from(images).where(eq(images.userId, target.id))
		const rows: StoredImage[] = []
		for (let start = 0; start < ids.length; start += DELETE_CHUNK) {
			const chunk = ids.slice(start, start + DELETE_CHUNK).map((row) => row.id)
			rows.push(...(await deleteImageRows(tx, chunk)))
		}
		await tx.delete(users).where(eq(users.id, target.id))
		// The row is gone: the entry keeps the email.
		await recordAudit(
			args,
			{
				action: 'user.delete',
				actor,
				target: { type: 'user', id: target.id },
				details: { email: target.email, images: rows.length },
			},
			tx,
		)
		return rows
	})
	await removeImageObjects(removed, 'account deleted by an admin')
	return { images: removed.length }
}

/**
 * Makes a single-use link that lets the account's owner choose a new
 * password, valid PASSWORD_RESET_TTL_MS. Only its SHA-256 is stored, so the
 * answer is the one time it is shown; older unused links of the account stop working.
 */
export async function createPasswordResetLink(
	args: RequestArgs,
	actor: Actor,
	userId: string,
): Promise<z.input<typeof passwordResetLinkSchema>> {
	if (!isUuid(userId)) throw noSuchUser()
	const secret = randomBytes(32).toString('base64url')
	const expiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS)
	await db.transaction(async (tx) => {
		const [target] = await tx
			.select({ id: users.id, email: users.email })
			.from(users)
			.where(eq(users.id, userId))
			.for('update')
		if (!target) throw noSuchUser()
		await tx
			.update(passwordResets)
			.set({ expiresAt: new Date() })
			.where(
				and(
					eq(passwordResets.userId, target.id),
					isNull(passwordResets.usedAt),
					gt(passwordResets.expiresAt, new Date()),
				),
			)
		await tx
			.insert(passwordResets)
			.values({ userId: target.id, tokenHash: hashToken(secret), createdBy: actor.id, expiresAt })
		await recordAudit(
			args,
			{
				action: 'user.password_reset_link',
				actor,
				target: { type: 'user', id: target.id },
				details: { email: target.email, expiresAt: expiresAt.toISOString() },
			},
			tx,
		)
	})
	return {
		url: `${baseUrlOf(args.request)}/reset-password/${secret}`,
		expiresAt: expiresAt.toISOString(),
	}
}
