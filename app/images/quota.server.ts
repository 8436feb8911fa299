import { count, eq, sql } from 'drizzle-orm'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import type { Db, Tx } from '#app/db.server'
import { QuotaExceededError } from '#app/errors'
import { formatBytes } from '#app/format'

// Per-user limits on what is stored (QUOTA_MAX_BYTES_PER_USER,
// QUOTA_MAX_IMAGES_PER_USER); both off unless set. An admin may give an
// account its own byte quota (users.quota_bytes), which replaces the
// environment's for it, set or not. Byte sizes are those of the originals,
// as uploaded, the trash included.

/** Whose quota: the account, with its own byte quota as read when the request was authenticated. */
export type QuotaHolder = { userId: string; quotaBytes: number | null }

/** The account's byte limit: its own when an admin set one, else QUOTA_MAX_BYTES_PER_USER. */
function bytesLimitOf(quotaBytes: number | null) {
	return quotaBytes === null
		? { maxBytes: config.quotas.maxBytesPerUser, own: false }
		: { maxBytes: quotaBytes, own: true }
}

/**
 * Throws QuotaExceededError when one more image of `incomingBytes` would take
 * the user over a quota. Inside the upload transaction pass `tx` with
 * `lock: true`: concurrent uploads of one user then take turns, so together
 * they cannot overshoot.
 */
export async function assertWithinQuota(
	executor: Db | Tx,
	{ userId, quotaBytes }: QuotaHolder,
	incomingBytes: number,
	{ lock = false } = {},
) {
	const { maxImagesPerUser } = config.quotas
	const { maxBytes, own } = bytesLimitOf(quotaBytes)
	// No limit, no query: the common case costs an upload nothing here.
	if (maxBytes === undefined && maxImagesPerUser === undefined) return
	if (lock) {
		await executor.execute(
			sql`select pg_advisory_xact_lock(hashtextextended(${`quota:${userId}`}, 0))`,
		)
	}
	const [usage] = await executor
		.select({
			images: count(),
			bytes: sql<string>`coalesce(sum(${images.byteSize}), 0)`.mapWith(Number),
		})
		.from(images)
		.where(eq(images.userId, userId))
	const held = usage ?? { images: 0, bytes: 0 }
	if (maxImagesPerUser !== undefined && held.images + 1 > maxImagesPerUser) {
		throw new QuotaExceededError(
			`Image quota exceeded: you have ${held.images} images and the limit is ${maxImagesPerUser} per user. Delete some to upload more.`,
		)
	}
	if (maxBytes !== undefined && held.bytes + incomingBytes > maxBytes) {
		const whose = own ? 'for your account' : 'per user'
		throw new QuotaExceededError(
			`Storage quota exceeded: this ${formatBytes(incomingBytes)} upload would bring your images to ${formatBytes(held.bytes + incomingBytes)}, over the limit of ${formatBytes(maxBytes)} (${maxBytes} bytes) ${whose}. Delete some images to make room.`,
		)
	}
}
