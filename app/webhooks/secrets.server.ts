import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { webhooks } from '#db/schema'
import { getSecretKeys } from '#app/config.server'
import { db } from '#app/db.server'

// Signing secrets follow Standard Webhooks (https://www.standardwebhooks.com):
// `whsec_` + base64 of 24 random bytes; the HMAC key is those bytes. They are
// kept encrypted (AES-256-GCM, key derived from SECRET_KEY), so a copy of the
// database alone cannot forge deliveries. See docs/decisions/006-webhooks.md.

const PREFIX = 'whsec_'

export function newWebhookSecret() {
	return `${PREFIX}${randomBytes(24).toString('base64')}`
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`: the `webhook-signature` header. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string) {
	const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
	const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
	return `v1,${mac}`
}

// One AES key per secret key: the current one encrypts, the previous one
// (SECRET_KEY_PREVIOUS, while rotating) can still decrypt.
let encryptionKeys: Buffer[] | undefined
const keysOf = () =>
	(encryptionKeys ??= getSecretKeys().map((secretKey) =>
		Buffer.from(hkdfSync('sha256', secretKey, '', 'darkroom webhook secrets v1', 32)),
	))

/** base64url of iv (12 bytes) + auth tag (16) + ciphertext, under the current key. */
export function encryptSecret(secret: string) {
	const iv = randomBytes(12)
	const cipher = createCipheriv('aes-256-gcm', keysOf()[0]!, iv)
	const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
	return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url')
}

/** Throws when the secret was encrypted under neither SECRET_KEY nor SECRET_KEY_PREVIOUS. */
export function decryptSecret(stored: string) {
	return decryptWithAnyKey(stored).secret
}

function decryptWithAnyKey(stored: string): { secret: string; current: boolean } {
	const bytes = Buffer.from(stored, 'base64url')
	const keys = keysOf()
	for (const [index, key] of keys.entries()) {
		const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
		decipher.setAuthTag(bytes.subarray(12, 28))
		try {
			const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()])
			return { secret: plain.toString('utf8'), current: index === 0 }
		} catch (error) {
			if (index === keys.length - 1) throw error
		}
	}
	throw new Error('No secret key configured')
}

/**
 * Re-encrypts under the current key every webhook secret still under the
 * previous one, so SECRET_KEY_PREVIOUS can be dropped afterwards. Run by each
 * worker at start while a previous key is set. Returns how many it changed,
 * and the webhooks whose secret opens under neither key.
 */
export async function reencryptWebhookSecrets() {
	const outcome = { reencrypted: 0, unreadable: [] as string[] }
	if (keysOf().length < 2) return outcome
	const rows = await db
		.select({ id: webhooks.id, secretEncrypted: webhooks.secretEncrypted })
		.from(webhooks)
	for (const row of rows) {
		let found: ReturnType<typeof decryptWithAnyKey>
		try {
			found = decryptWithAnyKey(row.secretEncrypted)
		} catch {
			outcome.unreadable.push(row.id)
			continue
		}
		if (found.current) continue
		// Only if no other process re-encrypted it meanwhile.
		const updated = await db
			.update(webhooks)
			.set({ secretEncrypted: encryptSecret(found.secret) })
			.where(and(eq(webhooks.id, row.id), eq(webhooks.secretEncrypted, row.secretEncrypted)))
			.returning({ id: webhooks.id })
		outcome.reencrypted += updated.length
	}
	return outcome
}
