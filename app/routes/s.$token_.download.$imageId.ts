import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import { findSharedOriginal, findShareLink } from '#app/sharing/public.server'
import { linkState } from '#app/sharing/links.server'
import { isUnlocked } from '#app/sharing/unlock.server'
import { contentDisposition, storage } from '#app/storage/storage.server'

// "Download original" on a share page: the link is checked again on every
// request (live, downloads allowed, its password cookie, the image still in
// the share), so revoking it stops downloads at once.

export async function loader({ request, params }: LoaderFunctionArgs) {
	const link = await findShareLink(params.token!)
	if (!link) throw refuse(404, 'There is no shared page at this address.')
	if (linkState(link) !== 'live') throw refuse(410, 'This link is no longer available.')
	if (!link.allowDownload) throw refuse(404, 'This link does not offer downloads.')
	if (!(await isUnlocked(request, link))) {
		throw refuse(403, 'Open the shared page and type its password first.')
	}
	const original = await findSharedOriginal(link, params.imageId!)
	if (!original) throw refuse(404, 'This image is not shared by this link.')
	const { stream, size } = await storage.getStream(original.originalKey)
	return new Response(createReadableStreamFromReadable(stream), {
		headers: {
			'Content-Type': original.contentType,
			'Content-Length': String(size),
			'Content-Disposition': contentDisposition('attachment', original.filename),
			'Cache-Control': 'private, no-store',
			'X-Content-Type-Options': 'nosniff',
			// User content on our origin: never let it run as a page.
			'Content-Security-Policy': "default-src 'none'; sandbox",
		},
	})
}

const refuse = (status: number, text: string) =>
	new Response(text, {
		status,
		headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'private, no-store' },
	})
