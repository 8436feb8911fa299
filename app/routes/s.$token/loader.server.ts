import { data, type LoaderFunctionArgs } from '@remix-run/node'
import { baseUrlOf } from '#app/images/present.server'
import { linkState, shareLinkPath } from '#app/sharing/links.server'
import {
	findShareLink,
	presentSharedImage,
	recordView,
	sharedContent,
} from '#app/sharing/public.server'
import { isUnlocked } from '#app/sharing/unlock.server'

/** Every answer of /s/<token>: never cached, never indexed. */
export const publicHeaders = {
	'Cache-Control': 'private, no-store',
	'X-Robots-Tag': 'noindex',
	// The token stays out of other sites' Referer; the password form still sends its Origin.
	'Referrer-Policy': 'same-origin',
}

/** 404 unknown, 410 revoked or expired, the password form, or the shared images (a view). */
export async function loader({ request, params }: LoaderFunctionArgs) {
	const link = await findShareLink(params.token!)
	if (!link) return data({ state: 'missing' as const }, { status: 404, headers: publicHeaders })
	const state = linkState(link)
	if (state !== 'live') return data({ state }, { status: 410, headers: publicHeaders })
	if (!(await isUnlocked(request, link))) {
		return data({ state: 'locked' as const }, { headers: publicHeaders })
	}
	const content = await sharedContent(link)
	await recordView(link, request)
	const baseUrl = baseUrlOf(request)
	const present = (image: (typeof content.images)[number]) =>
		presentSharedImage(link, image, baseUrl)
	return data(
		{
			state: 'open' as const,
			kind: content.kind,
			title: content.title,
			url: `${baseUrl}${shareLinkPath(link.token)}`,
			images: content.images.map(present),
			preview: content.previewImage ? present(content.previewImage).hero : null,
		},
		{ headers: publicHeaders },
	)
}
