import { auditLog, type AuditAction } from '#db/schema'
import { clientOf, type RequestArgs } from '#app/auth/sessions.server'
import { type Db, db, type Tx } from '#app/db.server'

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
