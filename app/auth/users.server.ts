import { and, asc, eq, isNull, lte, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type UserRole, users } from '#db/schema'
import { db, type Tx } from '#app/db.server'
import { ConflictError, UnauthorizedError } from '#app/errors'
import { parseInput } from '#app/validation'
import { recordAudit } from '#app/admin/audit.server'
import { redeemInvite } from './invites.server'
import { assertRegistrationAllowed } from './registration.server'
import type { RequestArgs } from './sessions.server'
import {
	MAX_EMAIL_LENGTH,
	MAX_PASSWORD_LENGTH,
	MIN_PASSWORD_LENGTH,
	type userSchema,
} from './schemas'
import {
	assertPasswordLogin,
	EMAIL_AS_PASSWORD_MESSAGE,
	hashPassword,
	isEmailAsPassword,
	newPasswordSchema,
	verifyAgainstDummy,
	verifyPassword,
} from './password.server'

export const credentialsSchema = z.object({
	email: z
		.string({ error: 'Email is required' })
		.trim()
		.toLowerCase()
		.max(MAX_EMAIL_LENGTH, 'Email is too long')
		.pipe(z.email({ error: 'Enter a valid email address' }))
		.meta({
			format: 'email',
			description: 'Trimmed and lower-cased; must be unused (case-insensitively).',
		}),
	password: newPasswordSchema.meta({
		minLength: MIN_PASSWORD_LENGTH,
		description: `NIST SP 800-63B: ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, not on the list of common or breached passwords, not the email.`,
	}),
})

/** Registration: the credentials, an optional invite, and a password that is not the email. */
export const registrationSchema = credentialsSchema
	.extend({
		invite: z
			.string({ error: 'The invite must be text' })
			.trim()
			.max(200, 'This invite link is not valid')
			.optional()
			.transform((invite) => invite || undefined)
			.meta({
				description:
					'The secret from an invite link (`/register?invite=…`). A valid invite lets anyone register, whatever the registration mode, and gives the account its role.',
			}),
	})
	.refine(({ email, password }) => !isEmailAsPassword(password, email), {
		message: EMAIL_AS_PASSWORD_MESSAGE,
		path: ['password'],
	})
	.meta({ id: 'RegisterRequest' })

/** Emails compare case-insensitively: stored and looked up trimmed and lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase()

export type PublicUser = { id: string; email: string; createdAt: Date }

export type { UserRole }

export const presentUser = (user: PublicUser): z.input<typeof userSchema> => ({
	id: user.id,
	email: user.email,
	createdAt: user.createdAt.toISOString(),
})

/**
 * Creates the account. The first account of a fresh instance is its admin;
 * every later one is a member, or gets the role of the invite it registers
 * through. Refused (403) when the registration mode does not let anyone in
 * (registration.server.ts) and there is no valid invite (invites.server.ts).
 * The registration, the invite's use and their audit entries commit together.
 */
export async function registerUser(args: RequestArgs, input: unknown): Promise<PublicUser> {
	const { email, password, invite } = parseInput(registrationSchema, input)
	assertPasswordLogin('Registration with a password')
	const passwordHash = await hashPassword(password)
	return db.transaction(async (tx) => {
		await takeFirstAccountTurn(tx)
		// Checked again under the lock: of two first accounts on a closed
		// instance, only one finds the table empty.
		const invited = invite ? await redeemInvite(tx, invite) : null
		if (!invited) await assertRegistrationAllowed(tx)
		const user = await insertAccount(tx, { email, passwordHash, role: invited?.role })
		// Thrown inside the transaction, so the invite's use is given back.
		if (!user) throw new ConflictError('An account with this email already exists.')
		await recordAudit(
			args,
			{ action: 'auth.register', actor: user, details: { method: 'password', invited: !!invited } },
			tx,
		)
		if (invited) {
			await recordAudit(
				args,
				{ action: 'invite.use', actor: user, target: { type: 'invite', id: invited.id } },
				tx,
			)
		}
		return user
	})
}

const FIRST_ACCOUNT_LOCK = 7263541

/**
 * Registrations take turns for the moment of the insert (until the
 * transaction ends), so two first accounts at once cannot both find the table empty.
 */
export async function takeFirstAccountTurn(tx: Tx) {
	await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK})`)
}

/**
 * Inserts an account: the first of a fresh instance is its admin, every later
 * one gets `role` (a member unless an invite says otherwise). No password hash: an account that signs in through single
 * sign-on only. Undefined when the email is taken. Call after takeFirstAccountTurn.
 */
export async function insertAccount(
	tx: Tx,
	{
		email,
		passwordHash,
		role = 'member',
	}: { email: string; passwordHash: string | null; role?: UserRole },
): Promise<PublicUser | undefined> {
	const [created] = await tx
		.insert(users)
		.values({
			email,
			passwordHash,
			role: sql`case when exists (select 1 from ${users}) then ${role} else 'admin' end`,
		})
		.onConflictDoNothing()
		.returning({ id: users.id, email: users.email, createdAt: users.createdAt })
	return created
}

/**
 * The user for these credentials, or null: one answer for unknown email and
 * wrong password. A disabled account is returned too (with its disabledAt):
 * the caller refuses it with assertAccountEnabled, after the password matched.
 */
export async function verifyLogin(
	email: string,
	password: string,
): Promise<(PublicUser & { disabledAt: Date | null }) | null> {
	const [user] = await db
		.select()
		.from(users)
		.where(eq(users.email, normalizeEmail(email)))
	if (!user) return verifyAgainstDummy(password).then(() => null)
	if (!(await verifyPassword(user.passwordHash, password))) return null
	return { id: user.id, email: user.email, createdAt: user.createdAt, disabledAt: user.disabledAt }
}

export const DISABLED_ACCOUNT_MESSAGE =
	'This account is disabled. Ask an administrator of this Darkroom to enable it.'

/**
 * Refuses a sign-in to a disabled account, as a failed sign-in (401). Called
 * only once the password matched: whoever lacks it learns nothing more than
 * "incorrect", while the owner learns why the right password does not work
 * (decision 020).
 */
export function assertAccountEnabled(user: { disabledAt: Date | null }) {
	if (user.disabledAt) throw new UnauthorizedError(DISABLED_ACCOUNT_MESSAGE)
}

/**
 * Locks the user's row until the transaction ends: one user's writes that check
 * a per-user cap (tokens, webhooks) take turns, so two at once cannot both pass it.
 */
export async function lockUser(tx: Tx, userId: string) {
	await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update')
}

/** Sets the role of the account with this email; null when there is none. */
export async function setUserRole(email: string, role: UserRole) {
	const [user] = await db
		.update(users)
		.set({ role })
		.where(eq(users.email, normalizeEmail(email)))
		.returning({ id: users.id, email: users.email, role: users.role })
	return user ?? null
}

export function listAdmins() {
	return db
		.select({
			id: users.id,
			email: users.email,
			createdAt: users.createdAt,
			disabledAt: users.disabledAt,
		})
		.from(users)
		.where(eq(users.role, 'admin'))
		.orderBy(asc(users.createdAt))
}

export type SignInPace = { freeFailures: number; maxWaitSeconds: number }

/** The wait after `failures` failures: none for the first few, then 1 s, 2, 4… up to the cap. */
const waitAfter = (failures: SQL, pace: SignInPace) =>
	// The exponent is capped too, so a long run of failures never overflows.
	sql`make_interval(secs => case when ${failures} < ${pace.freeFailures} then 0
		else least(${pace.maxWaitSeconds}::int, power(2, least(${failures} - ${pace.freeFailures}, 20)))::int end)`

/**
 * Counts one sign-in attempt against the account with this email as a
 * failure, before its password is checked, and holds the next attempt back
 * for as long as that many failures call for. One statement, so parallel
 * attempts cannot all find the account free.
 * Returns the seconds to wait instead when the account is not free yet, and
 * 0 when the attempt may go ahead (also when there is no such account).
 */
export async function claimSignInAttempt(email: string, pace: SignInPace): Promise<number> {
	const address = normalizeEmail(email)
	const failures = sql`least(${users.failedSignIns} + 1, 1000000)`
	const [claimed] = await db
		.update(users)
		.set({ failedSignIns: failures, signInBlockedUntil: sql`now() + ${waitAfter(failures, pace)}` })
		.where(
			and(
				eq(users.email, address),
				or(isNull(users.signInBlockedUntil), lte(users.signInBlockedUntil, sql`now()`)),
			),
		)
		.returning({ id: users.id })
	if (claimed) return 0
	const [blocked] = await db
		.select({
			seconds: sql<number>`ceil(extract(epoch from ${users.signInBlockedUntil} - now()))::int`,
		})
		.from(users)
		.where(eq(users.email, address))
	// No account: nothing to pace. A wait that ended just now still answers 1 s.
	return blocked ? Math.max(1, Number(blocked.seconds)) : 0
}

/** A claimed attempt failed: its wait runs from now, not from when the password check began. */
export async function holdBackAfterFailure(email: string, pace: SignInPace) {
	await db
		.update(users)
		.set({
			signInBlockedUntil: sql`greatest(${users.signInBlockedUntil}, now() + ${waitAfter(sql`${users.failedSignIns}`, pace)})`,
		})
		.where(eq(users.email, normalizeEmail(email)))
}

/** A successful sign-in: the account's failures are forgiven. */
export async function clearFailedSignIns(userId: string) {
	await db
		.update(users)
		.set({ failedSignIns: 0, signInBlockedUntil: null })
		.where(eq(users.id, userId))
}
