import { hash, verify } from '@node-rs/argon2'

// The library's default is argon2id with 19 MiB and 2 passes: OWASP's baseline.
export function hashPassword(password: string) {
	return hash(password)
}

export function verifyPassword(passwordHash: string, password: string) {
	return verify(passwordHash, password)
}

// Verified against when the email is unknown, so both failures take as long.
let dummyHash: Promise<string> | undefined
export function verifyAgainstDummy(password: string) {
	dummyHash ??= hashPassword('not-a-real-password')
	return dummyHash.then((h) => verifyPassword(h, password)).then(() => false)
}
