import { eq, sql } from 'drizzle-orm'
import { images, instanceSettings } from '#db/schema'
import { type Db, db, type Tx } from '#app/db.server'
import { type DuplicateUploadPolicy, duplicateUploadPolicies } from './schemas'

// Exact duplicates at upload (docs/decisions/027-duplicates.md): the same
// bytes (sha256) as a live image of the same owner. The admin's instance
// setting decides whether the upload is kept, pointing at the earlier image
// (`duplicateOf`), or refused with 409 before anything is stored.

const SETTING_KEY = 'duplicate-uploads'

/** The stored setting as a policy; `keep` when unset or unknown. */
const policyOf = (value: unknown): DuplicateUploadPolicy =>
	duplicateUploadPolicies.includes(value as DuplicateUploadPolicy)
		? (value as DuplicateUploadPolicy)
		: 'keep'

export async function duplicateUploadPolicy(): Promise<DuplicateUploadPolicy> {
	const [stored] = await db
		.select({ value: instanceSettings.value })
		.from(instanceSettings)
		.where(eq(instanceSettings.key, SETTING_KEY))
	return policyOf(stored?.value)
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

/**
 * What an upload of these bytes meets, in one round trip: the owner's earlier
 * image with them, if any, and the instance's policy for repeats.
 */
export async function sameBytesCheck(
	userId: string,
	sha256: string,
): Promise<{ earlier: string | null; policy: DuplicateUploadPolicy }> {
	const [row] = await db.execute<{ earlier: string | null; policy: unknown }>(sql`select
		${firstWithSameBytes(userId, sha256)} as earlier,
		(select ${instanceSettings.value} from ${instanceSettings} where ${instanceSettings.key} = ${SETTING_KEY}) as policy`)
	return { earlier: row?.earlier ?? null, policy: policyOf(row?.policy) }
}
