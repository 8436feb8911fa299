import type { z } from 'zod'
import type { StoredVariant } from '#db/schema'
import { config } from '#app/config.server'
import { sourceHasAlpha } from '#app/renditions/options'
import { renditionSet } from '#app/renditions/urls.server'
import { type SigningWindow, signingWindow } from '#app/storage/common'
import { storage } from '#app/storage/storage.server'
import type { VariantName } from './keys'
import type { ImageRow, OwnedImageRow } from './queries.server'
import type { imageDetailSchema, imageListItemSchema } from './schemas'

// Builds the contract's JSON for an image, signing a URL for each stored file.
// The shapes are the schemas' (app/images/schemas.ts), so what is sent and
// what /api/openapi.json documents cannot drift apart.

export type ImageDetail = z.input<typeof imageDetailSchema>
export type ImageListItem = z.input<typeof imageListItemSchema>

export const baseUrlOf = (request: Request) => config.publicUrl ?? new URL(request.url).origin

type Signing = {
	baseUrl: string
	disposition?: 'inline' | 'attachment'
	/** Shared by all URLs of one answer, so they expire together; the current one by default. */
	window?: SigningWindow
}

/** The one place that decides when signed URLs expire (see signingWindow). */
export function currentSigningWindow(): SigningWindow {
	return signingWindow(Date.now(), config.signedUrlTtlSeconds, config.signedUrlWindowSeconds)
}

function variantFilename(image: ImageRow, variant: VariantName) {
	if (variant === 'original') return image.filename
	const stem = image.filename.replace(/\.[^.]*$/, '') || 'image'
	return `${stem}-${variant}.webp`
}

export function storedVariant(image: ImageRow, variant: VariantName): StoredVariant | null {
	if (variant === 'original') {
		return {
			key: image.originalKey,
			contentType: image.contentType,
			byteSize: image.byteSize,
			width: image.width,
			height: image.height,
		}
	}
	return image[variant] ?? null
}

export async function signVariant(
	image: ImageRow,
	variant: VariantName,
	{ baseUrl, disposition = 'inline', window = currentSigningWindow() }: Signing,
) {
	const stored = storedVariant(image, variant)
	if (!stored) return null
	return storage.signedUrl(stored.key, {
		...window,
		contentType: stored.contentType,
		disposition,
		filename: variantFilename(image, variant),
		baseUrl,
	})
}

async function presentVariant(image: ImageRow, variant: VariantName, signing: Signing) {
	const stored = storedVariant(image, variant)
	if (!stored) return null
	return {
		url: (await signVariant(image, variant, signing))!,
		contentType: stored.contentType,
		byteSize: stored.byteSize,
		width: stored.width,
		height: stored.height,
	}
}

/** Who the answer is for: decides `yours` and whether GPS is shown. */
type Audience = { viewerId: string }

/** Visibility, owner and whether the viewer owns it: the same in a detail and a list item. */
function sharingOf(image: OwnedImageRow, { viewerId }: Audience) {
	return {
		visibility: image.visibility,
		owner: { id: image.userId, email: image.ownerEmail },
		yours: image.userId === viewerId,
	}
}

/** Where the photo was taken is its owner's to know, not the team's. */
function metadataFor(image: ImageRow, { viewerId }: Audience) {
	if (!image.metadata || image.userId === viewerId) return image.metadata
	return { ...image.metadata, gps: null }
}

export async function presentImage(
	image: OwnedImageRow,
	{ baseUrl, viewerId }: Signing & Audience,
): Promise<ImageDetail> {
	const window = currentSigningWindow()
	const [original, thumbnail, optimized] = await Promise.all([
		presentVariant(image, 'original', { baseUrl, window }),
		presentVariant(image, 'thumbnail', { baseUrl, window }),
		presentVariant(image, 'optimized', { baseUrl, window }),
	])
	return {
		id: image.id,
		filename: image.filename,
		contentType: image.contentType,
		byteSize: image.byteSize,
		sha256: image.sha256,
		createdAt: image.createdAt.toISOString(),
		updatedAt: image.updatedAt.toISOString(),
		width: image.width,
		height: image.height,
		format: image.format,
		status: image.status,
		aiStatus: image.aiStatus,
		overallStatus: image.overallStatus,
		error: image.error,
		aiError: image.aiError,
		metadata: metadataFor(image, { viewerId }),
		variants: { original: original!, thumbnail, optimized },
		urlsExpireAt: window.expiresAt.toISOString(),
		/** ThumbHash (base64) of the thumbnail; null until the image stage completes. */
		placeholder: image.placeholder,
		renditions:
			image.status === 'failed'
				? null
				: renditionSet(
						{ ...image, hasAlpha: sourceHasAlpha(image.format, image.metadata?.hasAlpha) },
						baseUrl,
					),
		ai: image.ai,
		duplicateOf: image.duplicateOf,
		...sharingOf(image, { viewerId }),
	}
}

export async function presentListItem(
	image: OwnedImageRow,
	{ viewerId, ...signing }: Signing & Audience,
): Promise<ImageListItem> {
	return { ...(await listItemFields(image, signing)), ...sharingOf(image, { viewerId }) }
}

/** A list item's fields that a trash item has too. */
export async function listItemFields(image: ImageRow, { baseUrl, window }: Signing) {
	return {
		id: image.id,
		filename: image.filename,
		createdAt: image.createdAt.toISOString(),
		status: image.status,
		aiStatus: image.aiStatus,
		overallStatus: image.overallStatus,
		width: image.width,
		height: image.height,
		thumbnailUrl: await signVariant(image, 'thumbnail', { baseUrl, window }),
		placeholder: image.placeholder,
		// Additions to the contract's list item: enough to blur flagged images and show tags.
		safety: image.ai
			? { flagged: image.ai.safety.flagged, categories: image.ai.safety.categories }
			: null,
		tags: image.ai?.tags ?? [],
		duplicateOf: image.duplicateOf,
	}
}
