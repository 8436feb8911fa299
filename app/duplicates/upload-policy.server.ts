import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import { images, instanceSettings } from '#db/schema'
import { type Db, db, type Tx } from '#app/db.server'
import { type DuplicateUploadPolicy, duplicateUploadPolicies } from './schemas'

// Exact duplicates at upload (docs/decisions/027-duplicates.md): the same
// bytes (sha256) as a live image of the same owner. The admin's instance
// setting decides whether the upload is kept, pointing at the earlier image
// (`duplicateOf`), or refused with 409 before anything is stored.

const SETTING_KEY = 'duplicate-uploads'

const isPolicy = (value: unknown): value is DuplicateUploadPolicy =>
	duplicateUploadPolicies.includes(value as DuplicateUploadPolicy)

export async function duplicateUploadPolicy(
	executor: Db | Tx = db,
): Promise<DuplicateUploadPolicy> {
	const [stored] = await executor
		.select({ value: instanceSettings.value })
		.from(instanceSettings)
		.where(eq(instanceSettings.key, SETTING_KEY))
	return isPolicy(stored?.value) ? stored.value : 'keep'
}

export async function saveDuplicateUploadPolicy(policy: DuplicateUploadPolicy, tx: Db | Tx = db) {
	await tx
		.insert(instanceSettings)
		.values({ key: SETTING_KEY, value: policy })
		.onConflictDoUpdate({
			target: instanceSettings.key,
			set: { value: policy, updatedAt: sql`now()` },
		})
}

/** The owner's first live image with these bytes (images_user_sha256_idx), as SQL for an insert. */
export const firstWithSameBytes = (userId: string, sha256: string) =>
	sql`(select ${images.id} from ${images}
		where ${images.userId} = ${userId} and ${images.sha256} = ${sha256} and ${images.deletedAt} is null
		order by ${images.createdAt}, ${images.id} limit 1)`

/** The same, read: the id of the image an upload of these bytes would repeat, if any. */
export async function imageWithSameBytes(userId: string, sha256: string): Promise<string | null> {
	const [found] = await db
		.select({ id: images.id })
		.from(images)
		.where(and(eq(images.userId, userId), eq(images.sha256, sha256), isNull(images.deletedAt)))
		.orderBy(asc(images.createdAt), asc(images.id))
		.limit(1)
	return found?.id ?? null
}
