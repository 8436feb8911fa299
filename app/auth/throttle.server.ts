import { TooManyRequestsError, ValidationError } from '#app/errors'
import { formatWait, hit, type LimitArgs, signInKey, signUpKey } from '#app/rate-limit.server'
import { assertRegistrationAllowed } from './registration.server'
import { recordAudit } from '#app/admin/audit.server'
import { assertPasswordLogin } from './password.server'
import type { RequestArgs } from './sessions.server'
import {
	assertAccountEnabled,
	claimSignInAttempt,
	clearFailedSignIns,
	holdBackAfterFailure,
	normalizeEmail,
	type SignInPace,
	verifyLogin,
} from './users.server'

// Shared by the API and the pages, so both draw on the same budgets.

/** Per account, across all addresses: five failures free, then 1 s, 2, 4… up to a minute. */
export const signInPace: SignInPace = { freeFailures: 5, maxWaitSeconds: 60 }

/**
 * Runs one sign-in attempt; `attempt` resolves to null for wrong credentials.
 *
 * Two limits, both counted before the password is checked, so parallel
 * guesses cannot slip past them:
 * - per (email, address), RATE_LIMIT_LOGIN: once used up, that address gets
 *   429 even with the right password until the window ends; the same email
 *   from elsewhere is unaffected. Taken back when the attempt succeeds.
 * - per account, from every address: past a few failures each attempt waits
 *   longer (signInPace). The wait is capped, so a stranger can slow the
 *   owner down but never lock them out; a success resets it.
 */
export async function throttleSignIn<T extends { id: string }>(
	args: LimitArgs,
	email: string,
	attempt: () => Promise<T | null>,
): Promise<T | null> {
	const counted = await hit(
		args.request,
		'login',
		signInKey(args, email),
		'Too many failed sign-in attempts for this email from your network',
	)
	const waitSeconds = await claimSignInAttempt(email, signInPace)
	if (waitSeconds > 0) {
		await counted?.refund()
		throw new TooManyRequestsError(
			`Too many failed sign-in attempts for this account. Try again in ${formatWait(waitSeconds)}.`,
			{ limit: signInPace.freeFailures, remaining: 0, resetSeconds: waitSeconds },
		)
	}
	let result: T | null
	try {
		result = await attempt()
	} catch (error) {
		await counted?.refund()
		throw error
	}
	if (result === null) {
		await holdBackAfterFailure(email, signInPace)
	} else {
		await counted?.refund()
		await clearFailedSignIns(result.id)
	}
	return result
}

/**
 * A sign-in with email and password, for the page and the API alike: the
 * user, or null for wrong credentials. Both outcomes go to the audit log; an
 * attempt held back by a limit (429) does not. The right password for a
 * disabled account is a failed sign-in that says so (401, decision 020).
 */
export async function signInWithPassword(args: RequestArgs, email: string, password: string) {
	const user = await throttleSignIn(args, email, () => verifyLogin(email, password))
	const method = 'password'
	if (!user || user.disabledAt) {
		await recordAudit(args, {
			action: 'auth.sign_in_failed',
			actor: null,
			details: { method, email: normalizeEmail(email), ...(user ? { reason: 'disabled' } : {}) },
		})
		if (user) assertAccountEnabled(user)
		return null
	}
	await recordAudit(args, { action: 'auth.sign_in', actor: user, details: { method } })
	return user
}

/**
 * Runs one registration. Every registration counts against the address's
 * RATE_LIMIT_SIGNUP budget, counted before the password is hashed, whether
 * it succeeds or finds the email taken (what probing for accounts looks
 * like): each account multiplies every per-user limit. Only input refused as
 * invalid, which costs nothing and creates nothing, is taken back.
 * When registration is closed or by invitation, the refusal (403) comes
 * first and is not counted, unless the attempt brings an invite: that one is
 * checked inside the registration, and a bad invite counts.
 */
export async function throttleRegistration<T>(
	args: LimitArgs,
	{ invited }: { invited: boolean },
	attempt: () => Promise<T>,
) {
	// A closed instance refuses before counting: the refusal costs one query,
	// no hash and no account, and says nothing about who has one.
	if (invited) assertPasswordLogin('Registration with a password')
	else await assertRegistrationAllowed()
	const counted = await hit(args.request, 'signup', signUpKey(args))
	try {
		return await attempt()
	} catch (error) {
		if (error instanceof ValidationError) await counted?.refund()
		throw error
	}
}
