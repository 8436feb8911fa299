import { randomBytes } from 'node:crypto'
import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { albums, images, shareLinks, shareLinkViews } from '#db/schema'
import { recordAudit } from '#app/admin/audit.server'
import { getOwnedAlbum } from '#app/albums/albums.server'
import { hashPassword } from '#app/auth/password.server'
import type { RequestArgs } from '#app/auth/sessions.server'
import { db } from '#app/db.server'
import { NotFoundError } from '#app/errors'
import { getOwnedImage } from '#app/images/queries.server'
import { isUuid } from '#app/validation'
import {
	type CreateShareLinkInput,
	RECENT_VIEWS,
	type ShareLinkView,
	type ShareLinkViewRow,
} from './schemas'

// An owner's share links: made for one of their images or albums, listed
// with their views, revoked. What visitors see is in public.server.ts.

export type ShareLinkRow = typeof shareLinks.$inferSelect
type LinkWithCount = ShareLinkRow & { viewCount: number }

/** 24 random bytes: 192 bits, unguessable; 32 characters in a URL. */
const newToken = () => randomBytes(24).toString('base64url')

export const shareLinkNotFound = () => new NotFoundError('No share link with this id.')

/** Whether visitors may open it now. */
export function linkState(link: Pick<ShareLinkRow, 'revokedAt' | 'expiresAt'>, now = new Date()) {
	if (link.revokedAt) return 'revoked' as const
	if (link.expiresAt && link.expiresAt <= now) return 'expired' as const
	return 'live' as const
}

/** Where the public pages live. */
export const SHARE_PATH = '/s'

export const shareLinkPath = (token: string) => `${SHARE_PATH}/${token}`

type Actor = { id: string; email: string }

/** A new link to one of the owner's images or albums, in the audit log with it. */
export async function createShareLink(
	args: RequestArgs,
	actor: Actor,
	{ imageId, albumId, expiresAt, password, allowDownload }: CreateShareLinkInput,
) {
	// Only the owner shares: another user's image or album is a 404.
	if (imageId) await getOwnedImage(actor.id, imageId)
	if (albumId) await getOwnedAlbum(actor.id, albumId)
	const passwordHash = password ? await hashPassword(password) : null
	return db.transaction(async (tx) => {
		const [row] = await tx
			.insert(shareLinks)
			.values({
				userId: actor.id,
				token: newToken(),
				imageId: imageId ?? null,
				albumId: albumId ?? null,
				expiresAt: expiresAt ? new Date(expiresAt) : null,
				passwordHash,
				allowDownload,
			})
			.returning()
		await recordAudit(
			args,
			{
				action: 'share_link.create',
				actor,
				target: { type: 'share_link', id: row!.id },
				details: {
					...(imageId ? { imageId } : { albumId }),
					expiresAt: expiresAt ?? null,
					password: passwordHash !== null,
					allowDownload,
				},
			},
			tx,
		)
		return { ...row!, viewCount: 0 }
	})
}

const viewCount = sql<number>`(
	select count(*)::int from share_link_views v where v.link_id = share_links.id)`

export type ShareTarget = { imageId: string } | { albumId: string }

/** Newest first; only those of one image or album when `target` is given. */
export async function listShareLinks(
	userId: string,
	target: ShareTarget | null = null,
): Promise<Array<LinkWithCount & { targetTitle: string }>> {
	const of =
		target === null
			? undefined
			: 'imageId' in target
				? eq(shareLinks.imageId, target.imageId)
				: eq(shareLinks.albumId, target.albumId)
	const rows = await db
		.select({
			link: shareLinks,
			viewCount,
			targetTitle: sql<string>`coalesce(${images.filename}, ${albums.title}, '')`,
		})
		.from(shareLinks)
		.leftJoin(images, eq(images.id, shareLinks.imageId))
		.leftJoin(albums, eq(albums.id, shareLinks.albumId))
		.where(and(eq(shareLinks.userId, userId), of))
		.orderBy(desc(shareLinks.createdAt), desc(shareLinks.id))
	return rows.map(({ link, viewCount, targetTitle }) => ({ ...link, viewCount, targetTitle }))
}

/** The caller's link; another user's is indistinguishable from a missing one. */
export async function getOwnedShareLink(userId: string, linkId: string): Promise<LinkWithCount> {
	if (!isUuid(linkId)) throw shareLinkNotFound()
	const [row] = await db
		.select({ link: shareLinks, viewCount })
		.from(shareLinks)
		.where(and(eq(shareLinks.id, linkId), eq(shareLinks.userId, userId)))
	if (!row) throw shareLinkNotFound()
	return { ...row.link, viewCount: row.viewCount }
}

/** Revoking twice keeps the first time; the page and its images stop at once. */
export async function revokeShareLink(args: RequestArgs, actor: Actor, linkId: string) {
	const link = await getOwnedShareLink(actor.id, linkId)
	return db.transaction(async (tx) => {
		const [revoked] = await tx
			.update(shareLinks)
			.set({ revokedAt: sql`now()` })
			.where(and(eq(shareLinks.id, link.id), isNull(shareLinks.revokedAt)))
			.returning()
		if (!revoked) return link
		await recordAudit(
			args,
			{ action: 'share_link.revoke', actor, target: { type: 'share_link', id: link.id } },
			tx,
		)
		return { ...revoked, viewCount: link.viewCount }
	})
}

export async function listShareLinkViews(linkId: string): Promise<ShareLinkViewRow[]> {
	const rows = await db
		.select()
		.from(shareLinkViews)
		.where(eq(shareLinkViews.linkId, linkId))
		.orderBy(desc(shareLinkViews.viewedAt))
		.limit(RECENT_VIEWS)
	return rows.map((view) => ({
		viewedAt: view.viewedAt.toISOString(),
		userAgent: view.userAgent,
		referrer: view.referrer,
	}))
}

export function presentShareLink(link: LinkWithCount, baseUrl: string): ShareLinkView {
	return {
		id: link.id,
		url: `${baseUrl}${shareLinkPath(link.token)}`,
		token: link.token,
		imageId: link.imageId,
		albumId: link.albumId,
		state: linkState(link),
		expiresAt: link.expiresAt?.toISOString() ?? null,
		hasPassword: link.passwordHash !== null,
		allowDownload: link.allowDownload,
		revokedAt: link.revokedAt?.toISOString() ?? null,
		createdAt: link.createdAt.toISOString(),
		viewCount: link.viewCount,
	}
}

/** The links of one image or album, as its page's "Share" section shows them. */
export async function presentShareLinksOf(userId: string, target: ShareTarget, baseUrl: string) {
	const links = await listShareLinks(userId, target)
	return links.map((link) => presentShareLink(link, baseUrl))
}
