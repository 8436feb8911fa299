import { eq, sql } from 'drizzle-orm'
import { images } from '../../db/schema'
import { db } from '~/db.server'
import { log } from '~/log.server'
import { storage } from '~/storage/storage.server'
import { variantKey } from './keys'
import { getOwnedImage } from './queries.server'

/** Removes the row (and its pending job), then every stored object of it. */
export async function deleteImage(userId: string, imageId: string) {
	const image = await getOwnedImage(userId, imageId)
	await db.transaction(async (tx) => {
		await tx.delete(images).where(eq(images.id, image.id))
		await tx.execute(sql`select graphile_worker.remove_job(${`process-image:${image.id}`})`)
	})
	const keys = [image.originalKey, image.thumbnail?.key, image.optimized?.key].filter(
		(key): key is string => Boolean(key),
	)
	// Variant keys are deterministic: a job that was mid-run may have written them.
	keys.push(variantKey(userId, image.id, 'thumbnail'), variantKey(userId, image.id, 'optimized'))
	try {
		await storage.delete([...new Set(keys)])
	} catch (error) {
		log.error({ err: error, imageId, keys }, 'Could not remove the objects of a deleted image')
	}
}
