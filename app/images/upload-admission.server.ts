import { sql } from 'drizzle-orm'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { TooManyUploadsInFlightError } from '#app/errors'
import { log } from '#app/log.server'
import { assertWithinQuota, type QuotaHolder } from './quota.server'

// What an upload must pass before its body is read (the caller has already
// authenticated it and counted it against the rate limit): room in the quota
// for one more image, and a free slot among MAX_CONCURRENT_UPLOADS_PER_USER.
// A slot is a row of upload_slots, so the cap holds across web processes. The
// holder renews it; a process that dies mid-upload leaves a row that expires
// within SLOT_TTL_SECONDS (docs/decisions/013-fair-share-and-upload-admission.md).

const SLOT_TTL_SECONDS = 60
const RENEW_EVERY_MS = 20_000

/** Runs `receive` (which reads the body) once the upload is admitted; its slot is freed however it ends. */
export async function admitUpload<T>(holder: QuotaHolder, receive: () => Promise<T>): Promise<T> {
	// A full account is refused before any byte arrives; the exact check (with
	// the file's size, under a lock) still runs when the image is stored.
	await assertWithinQuota(db, holder, 0)
	const cap = config.maxConcurrentUploadsPerUser
	if (cap === undefined) return receive()
	const slotId = await claimSlot(holder.userId, cap)
	if (!slotId) {
		throw new TooManyUploadsInFlightError(
			`You already have ${cap} uploads in progress, the most at once. Try again when one of them has finished.`,
		)
	}
	const renewal = setInterval(() => void renewSlot(slotId), RENEW_EVERY_MS)
	renewal.unref()
	try {
		return await receive()
	} finally {
		clearInterval(renewal)
		await releaseSlot(slotId)
	}
}

/** A new slot's id, or undefined when the user holds `cap` live ones already. */
async function claimSlot(userId: string, cap: number): Promise<string | undefined> {
	// One statement: a function (db/migrations/0024) takes the per-user lock,
	// drops expired slots and inserts when fewer than `cap` live ones remain.
	const [row] = await db.execute<{ id: string | null }>(
		sql`select claim_upload_slot(${userId}::uuid, ${cap}::int, ${SLOT_TTL_SECONDS}::int) as id`,
	)
	return row?.id ?? undefined
}

async function renewSlot(slotId: string) {
	await db
		.execute(
			sql`update upload_slots set expires_at = now() + make_interval(secs => ${SLOT_TTL_SECONDS}::int)
				where id = ${slotId}`,
		)
		.catch((error: unknown) => log.warn({ err: error, slotId }, 'Could not renew an upload slot'))
}

async function releaseSlot(slotId: string) {
	// Failing here must not replace the upload's own outcome; the row expires anyway.
	await db
		.execute(sql`delete from upload_slots where id = ${slotId}`)
		.catch((error: unknown) =>
			log.warn({ err: error, slotId }, 'Could not release an upload slot; it expires by itself'),
		)
}
