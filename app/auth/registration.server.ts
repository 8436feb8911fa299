import { eq, sql } from 'drizzle-orm'
import { instanceSettings, users } from '#db/schema'
import { config } from '#app/config.server'
import { type Db, db, type Tx } from '#app/db.server'
import { ForbiddenError } from '#app/errors'
import { assertPasswordLogin } from './password.server'
import { type RegistrationMode, registrationModes } from './schemas'

// Who may create an account (docs/decisions/019-registration-modes.md).
// REGISTRATION wins over the admin's stored setting; neither set means
// REGISTRATION_DEFAULT (open, or invite in the container image and on Fly).

export type RegistrationPolicy = {
	mode: RegistrationMode
	/** REGISTRATION is set: the stored setting is ignored and cannot be changed. */
	fromEnvironment: boolean
}

const SETTING_KEY = 'registration'

const isRegistrationMode = (value: unknown): value is RegistrationMode =>
	registrationModes.includes(value as RegistrationMode)

export async function registrationPolicy(tx: Db | Tx = db): Promise<RegistrationPolicy> {
	if (config.registration) return { mode: config.registration, fromEnvironment: true }
	const [stored] = await tx
		.select({ value: instanceSettings.value })
		.from(instanceSettings)
		.where(eq(instanceSettings.key, SETTING_KEY))
	const mode = isRegistrationMode(stored?.value) ? stored.value : config.registrationDefault
	return { mode, fromEnvironment: false }
}

/** The admin's choice; REGISTRATION, when set, still wins. */
export async function saveRegistrationMode(mode: RegistrationMode, tx: Db | Tx = db) {
	await tx
		.insert(instanceSettings)
		.values({ key: SETTING_KEY, value: mode })
		.onConflictDoUpdate({
			target: instanceSettings.key,
			set: { value: mode, updatedAt: sql`now()` },
		})
}

const REFUSALS: Record<Exclude<RegistrationMode, 'open'>, string> = {
	closed: 'Registration is closed on this instance.',
	invite: 'Registration on this instance is by invitation only.',
}

/**
 * Why nobody may register now, or null when anyone may: the mode is open, or
 * the instance has no account yet (its first one becomes the admin).
 */
export async function registrationRefusal(tx: Db | Tx = db): Promise<string | null> {
	const { mode } = await registrationPolicy(tx)
	if (mode === 'open') return null
	const [existing] = await tx.select({ id: users.id }).from(users).limit(1)
	return existing ? REFUSALS[mode] : null
}

/** Throws 403 unless anyone may register (with a password) now. */
export async function assertRegistrationAllowed(tx: Db | Tx = db) {
	assertPasswordLogin('Registration with a password')
	const refusal = await registrationRefusal(tx)
	if (refusal) throw new ForbiddenError(refusal)
}
