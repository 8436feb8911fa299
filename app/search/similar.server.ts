import { and, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm'
import { imageEmbeddings, images } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import {
	getVisibleImage,
	notTrashed,
	type OwnedImageRow,
	selectWithOwners,
	type Viewer,
	visibleTo,
} from '#app/images/queries.server'
import { DEFAULT_SIMILAR, MAX_VISUAL_DISTANCE } from './modes'
import { meaningRanked } from './ranking.server'

/** `embedding`: by meaning; `visual`: by perceptual hash; null: the image has neither yet. */
export type SimilarBasis = 'embedding' | 'visual' | null

/**
 * The images most like this one, by search embedding when it has one of the
 * current model, else by perceptual hash. Among the viewer's own images when
 * it is theirs; among its owner's shared ones when it is someone else's
 * shared image: one library at a time, which also keeps the search on one
 * owner's vectors (fast without pgvector).
 */
export async function similarImages(
	viewer: Viewer,
	imageId: string,
	limit = DEFAULT_SIMILAR,
): Promise<{ rows: OwnedImageRow[]; basis: SimilarBasis }> {
	const image = await getVisibleImage(viewer, imageId)
	const yours = image.userId === viewer.id
	const candidates = and(
		eq(images.userId, image.userId),
		yours ? undefined : eq(images.visibility, 'team'),
		visibleTo(viewer.id),
		notTrashed,
		ne(images.id, image.id),
	)!
	const embeddings = config.ai.embeddings
	if (embeddings) {
		const [own] = await db
			.select({ vector: imageEmbeddings.embedding, signature: imageEmbeddings.signature })
			.from(imageEmbeddings)
			.where(
				and(
					eq(imageEmbeddings.imageId, image.id),
					eq(imageEmbeddings.model, embeddings.model),
					eq(imageEmbeddings.dimensions, embeddings.dimensions),
				),
			)
		if (own) {
			const matches = await meaningRanked(
				{ where: candidates, ownerId: yours ? viewer.id : undefined },
				own,
				limit,
			)
			return { rows: await rowsInOrder(matches.map((match) => match.id)), basis: 'embedding' }
		}
	}
	if (image.phash === null) return { rows: [], basis: null }
	// bigint XOR, then its 64 bits counted: C speed, no JSON or JS number in between.
	const distance = sql`bit_count((${images.phash} # ${image.phash.toString()}::bigint)::bit(64))`
	const rows = await selectWithOwners()
		.where(and(candidates, isNotNull(images.phash), sql`${distance} <= ${MAX_VISUAL_DISTANCE}`))
		.orderBy(distance, sql`${images.createdAt} desc`)
		.limit(limit)
	return { rows, basis: 'visual' }
}

async function rowsInOrder(ids: string[]) {
	if (ids.length === 0) return []
	const rows = await selectWithOwners().where(inArray(images.id, ids))
	const byId = new Map(rows.map((row) => [row.id, row]))
	return ids.flatMap((id) => byId.get(id) ?? [])
}
