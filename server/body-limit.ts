import { type Readable, Transform } from 'node:stream'
import type { Request, RequestHandler, Response } from 'express'
import { config } from '#app/config.server'
import { PayloadTooLargeError } from '#app/errors'
import { isApi, sendPage, sendProblem } from './responses'
import type { MatchedRoute } from './routes'

// Every request body outside the upload routes is small (JSON, forms): more
// than MAX_BODY_BYTES is refused with 413 before Remix reads it. A declared
// Content-Length over the limit is refused at once; a chunked body is counted
// as it arrives and refused as soon as it passes the limit, so Remix never
// holds more than the limit. The rest of the body is discarded after the
// answer (discardUnreadBody in web.ts), which keeps the connection usable.

/** They stream their bodies with their own cap, MAX_UPLOAD_BYTES per file. */
const UPLOAD_ROUTES = new Set(['routes/api.images', 'routes/api.images.upload'])
/**
 * The gallery page's plain-form upload: multipart, posted to its index route
 * (with or without `?index`: that route has a path of its own, so Remix gives it the action).
 */
const GALLERY_ROUTE = 'routes/_app.images._index'

/** Which requests get a bounded body: res.locals.maxBodyBytes, read by remix.ts. */
export function bodyLimit(): RequestHandler {
	const maxBytes = config.maxBodyBytes
	return (req, res, next) => {
		if (takesUploads(req, res.locals.route as MatchedRoute | undefined)) return next()
		if (Number(req.get('Content-Length')) > maxBytes) {
			// Flowing, so discardUnreadBody bounds what is read after the answer;
			// a body nobody started reading, Node drains to its end, however long.
			req.resume()
			return refuseTooLarge(req, res)
		}
		res.locals.maxBodyBytes = maxBytes
		next()
	}
}

function takesUploads(req: Request, route: MatchedRoute | undefined) {
	if (!route) return false
	if (UPLOAD_ROUTES.has(route.id)) return true
	return route.id === GALLERY_ROUTE && Boolean(req.is('multipart/form-data'))
}

/**
 * The request body as a stream that ends in an error once more than
 * `maxBytes` came in; the chunk that passes the limit is never passed on.
 */
export function boundedBody(req: Request, maxBytes: number, onTooLarge: () => void): Readable {
	let received = 0
	const counted = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			received += chunk.length
			if (received <= maxBytes) return done(null, chunk)
			req.unpipe(counted)
			onTooLarge()
			done(tooLarge())
		},
	})
	return req.pipe(counted)
}

/** 413 now, unless an answer is already on its way. */
export function refuseTooLarge(req: Request, res: Response) {
	if (res.headersSent) return
	if (isApi(req)) {
		void sendProblem(res, tooLarge()).catch(() => res.destroy())
	} else {
		sendPage(
			res,
			413,
			'Too large',
			'What this form sent is larger than Darkroom accepts. Go back, shorten it and try again.',
		)
	}
}

const tooLarge = () =>
	new PayloadTooLargeError(
		`The request body is larger than ${config.maxBodyBytes} bytes, the limit for this route (MAX_BODY_BYTES).`,
	)
