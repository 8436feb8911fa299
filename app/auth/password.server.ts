import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'
import { z } from 'zod'
import { config } from '#app/config.server'
import { ForbiddenError } from '#app/errors'
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './schemas'

// The library's default is argon2id with 19 MiB and 2 passes: OWASP's baseline.
export function hashPassword(password: string) {
	return hash(password)
}

/** False for an account without a password (single sign-on only), after the same work. */
export function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
	if (passwordHash === null) return verifyAgainstDummy(password)
	return verify(passwordHash, password)
}

// Verified against when the email is unknown, so both failures take as long.
let dummyHash: Promise<string> | undefined
export function verifyAgainstDummy(password: string): Promise<false> {
	dummyHash ??= hashPassword('not-a-real-password')
	return dummyHash.then((h) => verifyPassword(h, password)).then(() => false)
}

// NIST SP 800-63B (5.1.1.2): at least 8 characters, a maximum of at least 64,
// no composition rules, and a check against passwords known to be common or
// breached. The list is zxcvbn's (about 49,000 entries from breach corpora),
// shipped with the app: no password ever leaves the server to be checked.

let commonPasswords: Set<string> | undefined
/** Whether the password is on the shipped list; the list is lower case, so the check is too. */
export function isCommonPassword(password: string) {
	commonPasswords ??= new Set(dictionary['passwords-common'])
	return commonPasswords.has(password.toLowerCase())
}

export const COMMON_PASSWORD_MESSAGE =
	'This password is on a list of common or breached passwords. Choose a different one, for example a few unrelated words.'
export const EMAIL_AS_PASSWORD_MESSAGE = 'Your password must not be your email address.'

// Code points, not UTF-16 units: an emoji counts as one character, as NIST asks.
const length = (password: string) => [...password].length

/** The one rule set for a password being chosen: at registration and on change. */
export const newPasswordSchema = z
	.string({ error: 'Password is required' })
	.max(MAX_PASSWORD_LENGTH, `Password must be at most ${MAX_PASSWORD_LENGTH} characters`)
	.refine((password) => length(password) >= MIN_PASSWORD_LENGTH, {
		message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
		abort: true,
	})
	.refine((password) => !isCommonPassword(password), COMMON_PASSWORD_MESSAGE)

/** The context-specific check NIST asks for: the account's own email is no password. */
export const isEmailAsPassword = (password: string, email: string) =>
	password.trim().toLowerCase() === email.trim().toLowerCase()

/**
 * Refuses (403) when PASSWORD_LOGIN=false: the instance signs people in
 * through single sign-on only. `what` names the refused thing.
 */
export function assertPasswordLogin(what = 'Password sign-in') {
	if (!config.passwordLogin) throw new ForbiddenError(passwordLoginOff(what))
}

export const passwordLoginOff = (what = 'Password sign-in') =>
	`${what} is turned off on this instance. Sign in with ${config.oidc?.label ?? 'single sign-on'} instead.`
