import type { Readable } from 'node:stream'
import {
	type AppLoadContext,
	createReadableStreamFromReadable,
	createRequestHandler,
	type ServerBuild,
	writeReadableStreamToWritable,
} from '@remix-run/node'
import type { Request as ExpressRequest, RequestHandler, Response } from 'express'
import { offerNodeBody } from '#app/request-body.server'
import { boundedBody, refuseTooLarge } from './body-limit'
import { requestOrigin } from './hosts'

// Express → Remix, as @remix-run/express does it, with two differences: the
// URL is built from the checked host (X-Forwarded-* only from a trusted
// proxy), a body limited by body-limit.ts reaches Remix only up to its limit,
// and an upload's body is also offered as the Node stream it is
// (app/request-body.server.ts), read only by whoever asks first.

export function remixHandler({
	build,
	mode,
	getLoadContext,
}: {
	build: ServerBuild | (() => Promise<ServerBuild>)
	mode: 'development' | 'production'
	getLoadContext: (req: ExpressRequest, res: Response) => AppLoadContext
}): RequestHandler {
	const handleRequest = createRequestHandler(build, mode)
	return async (req, res, next) => {
		try {
			const request = remixRequest(req, res)
			const response = await handleRequest(request, getLoadContext(req, res))
			// Refused while Remix was reading the body: the 413 is out already.
			if (res.headersSent) {
				await response.body?.cancel()
				return
			}
			await sendResponse(res, response)
		} catch (error) {
			next(error)
		}
	}
}

function remixRequest(req: ExpressRequest, res: Response): Request {
	// Loaders and actions stop when the client is gone before the answer is complete.
	const controller = new AbortController()
	res.once('close', () => {
		if (!res.writableFinished) controller.abort()
	})
	const init: RequestInit & { duplex?: 'half' } = {
		method: req.method,
		headers: remixHeaders(req.headers),
		signal: controller.signal,
	}
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		const maxBytes = res.locals.maxBodyBytes as number | undefined
		init.body =
			maxBytes === undefined
				? offeredBody(req)
				: createReadableStreamFromReadable(
						boundedBody(req, maxBytes, () => {
							controller.abort()
							refuseTooLarge(req, res)
						}),
					)
		init.duplex = 'half'
	}
	// Concatenated, not resolved: a path like `//other.example/` stays a path.
	return new Request(`${requestOrigin(req)}${req.originalUrl}`, init)
}

/** An upload's body: a web stream for Remix, the Node stream itself for whoever takes it. */
function offeredBody(req: ExpressRequest): ReadableStream<Uint8Array> {
	const body = lazyWebStream(req)
	offerNodeBody(body, req)
	// Started as an eager web stream would start it, so that Node does not
	// drain an unread body to its end once the answer is out (a refused
	// upload): discardUnreadBody in web.ts bounds that instead.
	req.read(0)
	return body
}

/**
 * A web stream over `source` that reads nothing until it is read itself, so
 * that a reader taking the Node stream instead (nodeBodyOf) gets every byte.
 */
function lazyWebStream(source: Readable): ReadableStream<Uint8Array> {
	let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				reader ??= createReadableStreamFromReadable(source).getReader()
				const { done, value } = await reader.read()
				if (done) controller.close()
				else controller.enqueue(value)
			},
			async cancel(reason) {
				if (reader) await reader.cancel(reason)
				else source.destroy(reason instanceof Error ? reason : undefined)
			},
		},
		// No read ahead: nothing is pulled before a reader asks.
		{ highWaterMark: 0 },
	)
}

function remixHeaders(incoming: ExpressRequest['headers']) {
	const headers = new Headers()
	for (const [name, value] of Object.entries(incoming)) {
		if (Array.isArray(value)) for (const item of value) headers.append(name, item)
		else if (value !== undefined) headers.set(name, value)
	}
	return headers
}

async function sendResponse(res: Response, response: globalThis.Response) {
	res.statusMessage = response.statusText
	res.status(response.status)
	for (const [name, value] of response.headers.entries()) res.append(name, value)
	// Server-sent events: the head leaves now, not with the first event.
	if (/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) res.flushHeaders()
	if (response.body) await writeReadableStreamToWritable(response.body, res)
	else res.end()
}
