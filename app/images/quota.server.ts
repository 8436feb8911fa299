import { count, eq, sql } from 'drizzle-orm'
import { images } from '#db/schema'
import { config } from '#app/config.server'
import type { Db, Tx } from '#app/db.server'
import { QuotaExceededError } from '#app/errors'
import { formatBytes } from '#app/format'

// Per-user limits on what is stored (QUOTA_MAX_BYTES_PER_USER,
// QUOTA_MAX_IMAGES_PER_USER); both off unless set. Byte sizes are those of
// the originals, as uploaded.

export const quotasEnabled = () =>
	config.quotas.maxBytesPerUser !== undefined || config.quotas.maxImagesPerUser !== undefined

/**
 * Throws QuotaExceededError when one more image of `incomingBytes` would take
 * the user over a quota. Inside the upload transaction pass `tx` with
 * `lock: true`: concurrent uploads of one user then take turns, so together
 * they cannot overshoot.
 */
export async function assertWithinQuota(
	executor: Db | Tx,
	userId: string,
	incomingBytes: number,
	{ lock = false } = {},
) {
	if (!quotasEnabled()) return
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
	const { maxBytesPerUser, maxImagesPerUser } = config.quotas
	const held = usage ?? { images: 0, bytes: 0 }
	if (maxImagesPerUser !== undefined && held.images + 1 > maxImagesPerUser) {
		throw new QuotaExceededError(
			`Image quota exceeded: you have ${held.images} images and the limit is ${maxImagesPerUser} per user. Delete some to upload more.`,
		)
	}
	if (maxBytesPerUser !== undefined && held.bytes + incomingBytes > maxBytesPerUser) {
		throw new QuotaExceededError(
			`Storage quota exceeded: this ${formatBytes(incomingBytes)} upload would bring your images to ${formatBytes(held.bytes + incomingBytes)}, over the limit of ${formatBytes(maxBytesPerUser)} (${maxBytesPerUser} bytes) per user. Delete some images to make room.`,
		)
	}
}
