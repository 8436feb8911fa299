import { and, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { images, users } from '#db/schema'
import { type ImageVisibility, imageVisibilities } from '#db/statuses'
import { recordAudit } from '#app/admin/audit.server'
import type { RequestArgs } from '#app/auth/sessions.server'
import { db } from '#app/db.server'
import { isUuid, parseInput } from '#app/validation'
import {
	assertMayManage,
	imageNotFound,
	mayManage,
	notTrashed,
	type OwnedImageRow,
	selectWithOwners,
	type Viewer,
	visibleTo,
} from './queries.server'
import { setImageVisibility } from './state.server'

// Sharing an image with the team, or making it private again (decision 022).

/**
 * Sets the visibility of live images the actor may change (their own, or as
 * an admin a shared one); all or none: 404 for one they cannot see, 403 for
 * someone else's shared one. With `skipMissing` (the pages: one may have gone
 * in another tab) those are left out instead. One audit entry per call, in
 * the same transaction. Returns the images changed, as they are now.
 */
export async function setVisibility(
	args: RequestArgs,
	actor: Viewer & { email: string },
	ids: string[],
	visibility: ImageVisibility,
	{ skipMissing = false } = {},
): Promise<OwnedImageRow[]> {
	const unique = [...new Set(ids)]
	const valid = unique.filter(isUuid)
	return db.transaction(async (tx) => {
		const rows =
			valid.length === 0
				? []
				: await tx
						.select({ id: images.id, userId: images.userId })
						.from(images)
						.where(and(visibleTo(actor.id), inArray(images.id, valid), notTrashed))
						// Not FOR UPDATE: that also blocks the KEY SHARE a worker's update of a
						// duplicate takes on its original (duplicate_of), a deadlock when both
						// are in the batch. Nothing here changes an id or deletes a row.
						.for('no key update')
		if (!skipMissing) {
			if (rows.length !== unique.length) throw imageNotFound(unique.length)
			assertMayManage(actor, rows)
		}
		const changed = rows.filter((row) => mayManage(actor, row)).map((row) => row.id)
		if (changed.length === 0) return []
		await setImageVisibility(tx, changed, visibility)
		const single = changed.length === 1
		await recordAudit(
			args,
			{
				action: 'image.visibility',
				actor: { id: actor.id, email: actor.email },
				target: { type: 'image', id: single ? changed[0]! : 'bulk' },
				details: { visibility, count: changed.length, ...(single ? {} : { ids: changed }) },
			},
			tx,
		)
		return selectWithOwners(tx).where(inArray(images.id, changed))
	})
}

/** The uploader's preference: what a new upload is when it does not say (Settings → Sharing). */
export async function getDefaultVisibility(userId: string): Promise<ImageVisibility> {
	const [user] = await db
		.select({ defaultVisibility: users.defaultVisibility })
		.from(users)
		.where(eq(users.id, userId))
	return user?.defaultVisibility ?? 'private'
}

const preferenceSchema = z.object({
	defaultVisibility: z.enum(imageVisibilities, {
		error: 'Choose private or shared with the team.',
	}),
})

export async function setDefaultVisibility(userId: string, input: unknown) {
	const { defaultVisibility } = parseInput(preferenceSchema, input)
	await db.update(users).set({ defaultVisibility }).where(eq(users.id, userId))
	return defaultVisibility
}
