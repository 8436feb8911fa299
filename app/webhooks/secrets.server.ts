import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { getSecretKey } from '~/config.server'

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

let encryptionKey: Buffer | undefined
const keyOf = () =>
	(encryptionKey ??= Buffer.from(
		hkdfSync('sha256', getSecretKey(), '', 'darkroom webhook secrets v1', 32),
	))

/** base64url of iv (12 bytes) + auth tag (16) + ciphertext. */
export function encryptSecret(secret: string) {
	const iv = randomBytes(12)
	const cipher = createCipheriv('aes-256-gcm', keyOf(), iv)
	const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
	return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url')
}

/** Throws when the secret was encrypted under another SECRET_KEY. */
export function decryptSecret(stored: string) {
	const bytes = Buffer.from(stored, 'base64url')
	const decipher = createDecipheriv('aes-256-gcm', keyOf(), bytes.subarray(0, 12))
	decipher.setAuthTag(bytes.subarray(12, 28))
	return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')
}
