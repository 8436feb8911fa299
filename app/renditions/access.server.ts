import { sql } from 'drizzle-orm'
import { db } from '#app/db.server'
import { isUuid } from '#app/validation'
import { sourceHasAlpha } from './options'
import type { RenditionSource, StoredRendition } from './renditions.server'

// Who may see a rendition is settled by its URL: a valid signature names the
// image and version it was made for; an unsigned preset URL works only while
// a live share link (of the image, or of an album holding it) exists.

export type RenditionImage = RenditionSource & {
	deleted: boolean
	failed: boolean
	/** Whether the source may have transparency: f_auto then falls back to PNG, not JPEG. */
	hasAlpha: boolean
	/** A live share link names the image or an album with it. */
	shared: boolean
	/** Those of the asked-for keys that are stored and ready. */
	stored: StoredRendition[]
}

/**
 * The image a rendition URL names, or null, with whichever of `keys` are
 * stored (one query for a hit); `withSharing` also asks whether it is shared by link.
 */
export async function findRenditionImage(
	imageId: string,
	{ withSharing, keys }: { withSharing: boolean; keys: string[] },
): Promise<RenditionImage | null> {
	if (!isUuid(imageId)) return null
	const shared = withSharing ? liveShareOf(imageId) : sql`false`
	const asked = sql.join(
		keys.map((key) => sql`${key}`),
		sql`, `,
	)
	const [row] = await db.execute<{
		id: string
		version: number
		original_key: string
		content_type: string
		format: string
		deleted: boolean
		failed: boolean
		has_alpha: boolean | null
		shared: boolean
		stored: Array<{ key: string; contentType: string; byteSize: number; lastRequestedAt: string }>
	}>(sql`
		select id, version, original_key, content_type, format,
			deleted_at is not null as deleted, status = 'failed' as failed,
			(metadata ->> 'hasAlpha')::boolean as has_alpha, ${shared} as shared,
			(select coalesce(json_agg(json_build_object('key', r.key, 'contentType', r.content_type,
					'byteSize', r.byte_size, 'lastRequestedAt', r.last_requested_at)), '[]')
				from renditions r where r.key in (${asked}) and r.ready_at is not null) as stored
		from images where id = ${imageId}`)
	if (!row) return null
	return {
		id: row.id,
		version: row.version,
		originalKey: row.original_key,
		contentType: row.content_type,
		format: row.format,
		deleted: row.deleted,
		failed: row.failed,
		hasAlpha: sourceHasAlpha(row.format, row.has_alpha),
		shared: row.shared,
		stored: row.stored.map((stored) => ({
			...stored,
			lastRequestedAt: new Date(stored.lastRequestedAt),
		})),
	}
}

function liveShareOf(imageId: string) {
	return sql`exists (
		select 1 from share_links l
		where l.revoked_at is null and (l.expires_at is null or l.expires_at > now())
			and (l.image_id = ${imageId}
				or l.album_id in (select a.album_id from album_images a where a.image_id = ${imageId})))`
}
