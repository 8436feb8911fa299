import { inArray } from 'drizzle-orm'
import { images } from '#db/schema'
import { db } from '#app/db.server'

// Which image a stored object belongs to. Keys are `images/{userId}/{imageId}/{file}`
// (app/images/keys.ts); anything else under `images/` is not ours to judge.

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const IMAGE_KEY = new RegExp(`^images/${UUID}/(${UUID})/[^/]+$`)

/** The image id in a key of the images layout; null for any other key. */
export function imageIdOfKey(key: string): string | null {
	return IMAGE_KEY.exec(key)?.[1] ?? null
}

/** The ids among `ids` that still have an image row. */
export async function existingImageIds(ids: string[]): Promise<Set<string>> {
	const unique = [...new Set(ids)]
	if (unique.length === 0) return new Set()
	const rows = await db.select({ id: images.id }).from(images).where(inArray(images.id, unique))
	return new Set(rows.map((row) => row.id))
}
