import { count, desc, eq } from 'drizzle-orm'
import type { z } from 'zod'
import { auditLog, type AuditAction } from '#db/schema'
import { clientOf, type RequestArgs } from '#app/auth/sessions.server'
import { type Db, db, type Tx } from '#app/db.server'
import {
	AUDIT_PAGE_SIZE,
	type AuditEntryView,
	type auditListSchema,
	type AuditQuery,
} from './schemas'

// The audit log: admin actions, sign-ins (success and failure), invites used,
// tokens made and revoked, and sharing changes. An entry is written in the
// transaction of the change it records when there is one, so a change and its
// entry commit or vanish together.

export type AuditEntry = {
	action: AuditAction
	/** Who acted; null for someone not signed in (a failed sign-in, a registration). */
	actor: { id: string; email: string } | null
	target?: { type: string; id: string }
	details?: Record<string, unknown>
}

/** Records one entry, with the client's address from the request. */
export async function recordAudit(
	args: RequestArgs,
	entry: AuditEntry,
	executor: Db | Tx = db,
): Promise<void> {
	await executor.insert(auditLog).values({
		action: entry.action,
		actorId: entry.actor?.id ?? null,
		actorEmail: entry.actor?.email ?? null,
		targetType: entry.target?.type ?? null,
		targetId: entry.target?.id ?? null,
		ip: clientOf(args).ip,
		details: entry.details ?? null,
	})
}

/** One page of the log, newest first, optionally of one action. */
export async function listAudit({
	page,
	action,
}: AuditQuery): Promise<z.input<typeof auditListSchema>> {
	const pageSize = AUDIT_PAGE_SIZE
	const where = action ? eq(auditLog.action, action) : undefined
	const [rows, [totals]] = await Promise.all([
		db
			.select()
			.from(auditLog)
			.where(where)
			.orderBy(desc(auditLog.at), desc(auditLog.id))
			.limit(pageSize)
			.offset((page - 1) * pageSize),
		db.select({ total: count() }).from(auditLog).where(where),
	])
	const total = totals?.total ?? 0
	return {
		items: rows.map(presentAuditEntry),
		page,
		pageSize,
		total,
		totalPages: Math.ceil(total / pageSize),
	}
}

const presentAuditEntry = (row: typeof auditLog.$inferSelect): AuditEntryView => ({
	id: row.id,
	at: row.at.toISOString(),
	action: row.action,
	actor: row.actorEmail ? { id: row.actorId, email: row.actorEmail } : null,
	target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
	ip: row.ip,
	details: row.details,
})
