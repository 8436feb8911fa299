import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import { config, getSecretKeys } from '#app/config.server'
import { AppError } from '#app/errors'
import { ifNoneMatchMatches } from '#app/http/etag.server'
import { openLocalObject, verifySignedFileRequest } from '#app/storage/local.server'
import { contentDisposition } from '#app/storage/storage.server'

// Serves the local driver's signed URLs (S3 serves its own). Every refusal is
// a 403, expired links included: S3 answers an expired presigned URL with 403
// too, so clients see the same thing whichever driver is configured. The
// signature is checked before anything touches the disk, so a refusal never
// tells whether an object exists.

export async function loader({ request }: LoaderFunctionArgs) {
	if (config.storage.driver !== 'local') {
		return problem(404, 'not-found', 'Not found', 'There is nothing here.')
	}
	const verified = verifySignedFileRequest(new URL(request.url), getSecretKeys())
	if (!verified.ok) {
		const detail =
			verified.reason === 'expired'
				? 'This link has expired; request a new one.'
				: 'This link is invalid.'
		return problem(403, 'forbidden', 'Forbidden', detail)
	}

	let object: Awaited<ReturnType<typeof openLocalObject>>
	try {
		object = await openLocalObject(config.storage.root, verified.key)
	} catch (error) {
		if (error instanceof AppError) {
			return problem(error.status, error.slug, error.title, error.message, error.headers)
		}
		throw error
	}
	if (!object) {
		return problem(404, 'not-found', 'Not found', 'This file no longer exists.')
	}

	const maxAge = Math.max(0, Math.floor((verified.expiresAt.getTime() - Date.now()) / 1000))
	const etag = `"${object.version}"`
	const headers: Record<string, string> = {
		ETag: etag,
		'Cache-Control': `private, max-age=${maxAge}, immutable`,
		'X-Content-Type-Options': 'nosniff',
		// User content on our origin: never let it run as a page.
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
	}
	if (ifNoneMatchMatches(request.headers.get('If-None-Match'), etag)) {
		await object.close()
		return new Response(null, { status: 304, headers })
	}
	Object.assign(headers, {
		'Content-Type': verified.contentType,
		'Content-Length': String(object.size),
		'Content-Disposition': contentDisposition(verified.disposition, verified.filename),
	})
	if (request.method === 'HEAD') {
		await object.close()
		return new Response(null, { status: 200, headers })
	}
	return new Response(createReadableStreamFromReadable(object.stream()), { status: 200, headers })
}

// Stand-in for the shared problem helper (app/http/problem.server.ts).
function problem(
	status: number,
	slug: string,
	title: string,
	detail: string,
	headers: Record<string, string> = {},
) {
	const body = { type: `https://darkroom.dev/problems/${slug}`, title, status, detail }
	return new Response(JSON.stringify(body), {
		status,
		headers: {
			'Content-Type': 'application/problem+json',
			'Cache-Control': 'no-store',
			...headers,
		},
	})
}
