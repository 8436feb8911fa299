import { and, eq, sql } from 'drizzle-orm'
import { userIdentities, users } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { db } from '#app/db.server'
import { type OidcIdentity, OidcSignInError, type OidcSettings } from './oidc.server'
import { registrationRefusal } from './registration.server'
import type { RequestArgs } from './sessions.server'
import {
	insertAccount,
	normalizeEmail,
	type PublicUser,
	takeFirstAccountTurn,
} from './users.server'

// Which Darkroom account a provider's identity signs in to (decision 021):
// an identity linked before; else the account with its email, when the
// provider says it verified that email; else a new account, when
// OIDC_AUTO_REGISTER or the registration mode allows one.

const refuse = (reason: string, message: string) => new OidcSignInError(reason, message)

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1)

type Account = PublicUser & { disabledAt: Date | null }

const accountColumns = {
	id: users.id,
	email: users.email,
	createdAt: users.createdAt,
	disabledAt: users.disabledAt,
}

/** The account for this identity, linking or creating one as the rules allow; throws OidcSignInError. */
export async function resolveSsoAccount(
	args: RequestArgs,
	identity: OidcIdentity,
	settings: OidcSettings,
): Promise<PublicUser> {
	const email = identity.email ? normalizeEmail(identity.email) : null
	if (settings.allowedDomains.length > 0) {
		if (!email || !settings.allowedDomains.includes(domainOf(email))) {
			throw refuse(
				'domain_not_allowed',
				'This instance accepts single sign-on only for email addresses in its allowed domains (OIDC_ALLOWED_DOMAINS), and yours is not one of them.',
			)
		}
	}
	const linked = await linkedAccount(identity)
	if (linked) return enabled(linked)
	if (!email) {
		throw refuse(
			'email_missing',
			'The sign-in provider did not share your email address, so no account could be found for you. Ask its administrator to release the email scope to Darkroom.',
		)
	}
	if (!identity.emailVerified) {
		throw refuse(
			'email_unverified',
			'The sign-in provider has not verified your email address, so it cannot be used to sign in here. Verify it with the provider, then try again.',
		)
	}
	const [existing] = await db.select(accountColumns).from(users).where(eq(users.email, email))
	if (existing) {
		enabled(existing)
		await linkIdentity(existing.id, identity, email)
		return existing
	}
	return createAccount(args, identity, email, settings)
}

async function linkedAccount(identity: OidcIdentity): Promise<Account | undefined> {
	const [found] = await db
		.select({ ...accountColumns, identityId: userIdentities.id })
		.from(userIdentities)
		.innerJoin(users, eq(users.id, userIdentities.userId))
		.where(
			and(eq(userIdentities.issuer, identity.issuer), eq(userIdentities.subject, identity.subject)),
		)
	if (!found) return undefined
	await db
		.update(userIdentities)
		.set({ lastSignInAt: sql`now()` })
		.where(eq(userIdentities.id, found.identityId))
	return found
}

function enabled(account: Account): PublicUser {
	if (account.disabledAt) {
		throw refuse('account_disabled', 'This account is disabled. Ask an administrator.')
	}
	return { id: account.id, email: account.email, createdAt: account.createdAt }
}

async function linkIdentity(userId: string, identity: OidcIdentity, email: string) {
	await db
		.insert(userIdentities)
		.values({
			userId,
			issuer: identity.issuer,
			subject: identity.subject,
			email,
			lastSignInAt: sql`now()`,
		})
		// Two first sign-ins at once: the first link stands.
		.onConflictDoNothing()
}

/** A new account without a password, linked to the identity, under the registration rules. */
async function createAccount(
	args: RequestArgs,
	identity: OidcIdentity,
	email: string,
	settings: OidcSettings,
): Promise<PublicUser> {
	return db.transaction(async (tx) => {
		await takeFirstAccountTurn(tx)
		const refusal = settings.autoRegister ? null : await registrationRefusal(tx)
		if (refusal) throw refuse('registration_refused', refusal)
		const created = await insertAccount(tx, { email, passwordHash: null })
		if (!created) {
			throw refuse('email_taken', 'An account with this email was created just now. Try again.')
		}
		await tx.insert(userIdentities).values({
			userId: created.id,
			issuer: identity.issuer,
			subject: identity.subject,
			email,
			lastSignInAt: sql`now()`,
		})
		await recordAudit(
			args,
			{
				action: 'auth.register',
				actor: { id: created.id, email },
				target: { type: 'user', id: created.id },
				details: { method: 'oidc' },
			},
			tx,
		)
		return created
	})
}
