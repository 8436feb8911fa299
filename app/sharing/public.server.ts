import { and, eq } from 'drizzle-orm'
import { albums, images, shareLinks, shareLinkViews } from '#db/schema'
import { coverOf, listAlbumImages, shownImageColumns } from '#app/albums/albums.server'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { notTrashed } from '#app/images/queries.server'
import { presetUrl } from '#app/renditions/urls.server'
import { shareLinkPath, type ShareLinkRow } from './links.server'

// What a visitor of /s/<token> may see: the shared image, or the album's
// images in order, through unsigned preset URLs only (they stop answering the
// moment the link is revoked or expires; a signed URL would outlive it).
// Nothing else of the owner's: no metadata, no email, no storage keys.

/** An image as the public page shows it. */
export type SharedImage = {
	id: string
	filename: string
	version: number
	width: number
	height: number
}

/** The link a token names, or null. */
export async function findShareLink(token: string): Promise<ShareLinkRow | null> {
	// Tokens are 32 base64url characters: anything else names nothing.
	if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null
	const [link] = await db.select().from(shareLinks).where(eq(shareLinks.token, token))
	return link ?? null
}

/** The page's title and images, in order; the cover first in `previewImage`. */
export async function sharedContent(link: ShareLinkRow) {
	if (link.imageId) {
		const [image] = await db
			.select(shownImageColumns)
			.from(images)
			.where(and(eq(images.id, link.imageId), notTrashed))
		return {
			kind: 'image' as const,
			title: image?.filename ?? 'Image',
			images: image ? [image] : [],
			previewImage: image ?? null,
		}
	}
	const [album] = await db.select().from(albums).where(eq(albums.id, link.albumId!))
	const shown: SharedImage[] = await listAlbumImages(album!.id)
	return {
		kind: 'album' as const,
		title: album!.title,
		images: shown,
		previewImage: coverOf(album!, shown),
	}
}

/** The shared image with this id (not trashed), with what a download needs; null otherwise. */
export async function findSharedOriginal(link: ShareLinkRow, imageId: string) {
	const { images: shown } = await sharedContent(link)
	if (!shown.some((image) => image.id === imageId)) return null
	const [image] = await db
		.select({
			filename: images.filename,
			originalKey: images.originalKey,
			contentType: images.contentType,
		})
		.from(images)
		.where(eq(images.id, imageId))
	return image ?? null
}

/** One opening of the page: the browser, and where it came from as an origin only. */
export async function recordView(link: ShareLinkRow, request: Request) {
	await db.insert(shareLinkViews).values({
		linkId: link.id,
		userAgent: request.headers.get('User-Agent')?.slice(0, 300) || null,
		referrer: originOf(request.headers.get('Referer')),
	})
}

function originOf(referrer: string | null) {
	if (!referrer) return null
	try {
		const { origin } = new URL(referrer)
		return origin === 'null' ? null : origin
	} catch {
		return null
	}
}

/** An image's preset URLs, with their sizes where the preset fixes them. */
export function presentSharedImage(link: ShareLinkRow, image: SharedImage, baseUrl: string) {
	const url = (preset: string) => presetUrl(image, preset, baseUrl)
	return {
		id: image.id,
		filename: image.filename,
		thumb: { url: url('thumb'), ...presetSize(image, 'thumb') },
		card: { url: url('card'), ...presetSize(image, 'card') },
		hero: { url: url('hero'), ...presetSize(image, 'hero') },
		downloadUrl: link.allowDownload ? `${shareLinkPath(link.token)}/download/${image.id}` : null,
	}
}

/** The size a preset makes of this image: its box for cover, else scaled down to fit. */
function presetSize(image: SharedImage, preset: string) {
	const options = config.renditions.presets[preset]!
	const { width, height, fit, enlarge } = options
	if (fit === 'cover' && width && height) return { width, height }
	const scale = Math.min(
		width ? width / image.width : Infinity,
		height ? height / image.height : Infinity,
		enlarge ? Infinity : 1,
	)
	if (!Number.isFinite(scale)) return { width: image.width, height: image.height }
	return {
		width: Math.max(1, Math.round(image.width * scale)),
		height: Math.max(1, Math.round(image.height * scale)),
	}
}
