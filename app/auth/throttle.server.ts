import { ConflictError } from '~/errors'
import { check, count, hit, type LimitArgs, signInKey, signUpKey } from '~/http/rate-limit.server'

// The `login` rate limit class, shared by the API and the pages so both draw
// on one budget. Only failures count.

/**
 * Runs one sign-in attempt; `attempt` resolves to null for wrong credentials.
 * Once an (email, address) pair has used up RATE_LIMIT_LOGIN, it gets 429
 * even with the right password until the window ends; the same email from
 * another address is unaffected, so nobody can lock the owner out. Each
 * attempt is counted before the password is checked, so parallel guesses
 * cannot slip past the limit, and taken back when it succeeds.
 */
export async function throttleSignIn<T>(
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
	let result: T | null
	try {
		result = await attempt()
	} catch (error) {
		await counted?.refund()
		throw error
	}
	if (result !== null) await counted?.refund()
	return result
}

/**
 * Runs one registration. An email that is taken (409) is what probing for
 * accounts looks like, so those count, per address; successful and invalid
 * registrations do not, and are not counted in advance either: many people
 * may register at once from one office or school address.
 */
export async function throttleRegistration<T>(args: LimitArgs, attempt: () => Promise<T>) {
	const key = signUpKey(args)
	await check(
		args.request,
		'login',
		key,
		'Too many registrations for emails that are taken from your network',
	)
	try {
		return await attempt()
	} catch (error) {
		if (error instanceof ConflictError) await count(args.request, 'login', key)
		throw error
	}
}
