import { PassThrough } from 'node:stream'
import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node'
import { createReadableStreamFromReadable } from '@remix-run/node'
import { isRouteErrorResponse, RemixServer } from '@remix-run/react'
import { isbot } from 'isbot'
import { renderToPipeableStream } from 'react-dom/server'
import { NonceContext } from '#app/components/nonce'
import { log } from '#app/log.server'

// Remix's default Node entry, plus the CSP nonce: React's own inline scripts,
// Remix's streamed data and <Scripts>/<ScrollRestoration> (root.tsx) carry it.

const ABORT_DELAY = 5_000

/** Unexpected errors go to the log with the request; a 404 or a closed tab is not one. */
export const handleError: HandleErrorFunction = (error, { request }) => {
	if (request.signal.aborted) return
	if (isRouteErrorResponse(error) && error.status < 500) return
	log.error({ err: error, method: request.method, url: request.url }, 'Error while rendering')
}

export default function handleRequest(
	request: Request,
	responseStatusCode: number,
	responseHeaders: Headers,
	remixContext: EntryContext,
	loadContext: AppLoadContext,
) {
	// Bots and SPA mode get the whole document at once; browsers get it streamed.
	const waitForAll = isbot(request.headers.get('user-agent') ?? '') || remixContext.isSpaMode
	const nonce = loadContext.cspNonce
	return new Promise<Response>((resolve, reject) => {
		let shellRendered = false
		const ready = () => {
			shellRendered = true
			const body = new PassThrough()
			responseHeaders.set('Content-Type', 'text/html')
			resolve(
				new Response(createReadableStreamFromReadable(body), {
					headers: responseHeaders,
					status: responseStatusCode,
				}),
			)
			pipe(body)
		}
		const { pipe, abort } = renderToPipeableStream(
			<NonceContext.Provider value={nonce}>
				<RemixServer
					context={remixContext}
					url={request.url}
					abortDelay={ABORT_DELAY}
					nonce={nonce}
				/>
			</NonceContext.Provider>,
			{
				nonce,
				...(waitForAll ? { onAllReady: ready } : { onShellReady: ready }),
				onShellError(error: unknown) {
					reject(error)
				},
				onError(error: unknown) {
					responseStatusCode = 500
					// Errors in the shell reject and are logged by Remix; later ones only here.
					if (shellRendered) console.error(error)
				},
			},
		)
		setTimeout(abort, ABORT_DELAY)
	})
}
