import { Readable } from 'node:stream'
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web'

// Remix hands loaders a web Request, so server/remix.ts wraps Node's request
// stream in a web stream; a reader that wants a Node stream back (busboy)
// would then turn every chunk from Node to web and back, which cost about a
// tenth of the web process's CPU per upload. For the upload routes the server
// offers the Node stream itself here, and such a reader takes it, as long as
// nobody has read the web stream (then the two would share the bytes).
//
// The offer rides on the web stream, not the Request: Remix hands each loader
// and action a new Request (without `?index`) around the same stream. And it
// is a registered symbol, as the server and the Remix build each load their
// own copy of this module.
const NODE_BODY = Symbol.for('darkroom.nodeBody')

type Offering = ReadableStream & { [NODE_BODY]?: Readable }

/** Called by the server: `body` is what `webBody` would read, as a Node stream. */
export function offerNodeBody(webBody: ReadableStream, body: Readable) {
	;(webBody as Offering)[NODE_BODY] = body
}

/** The request's body as a Node stream: the server's own when offered and still unread. */
export function nodeBodyOf(request: Request): Readable {
	const webBody = request.body as Offering | null
	if (!webBody) return Readable.from([])
	const offered = webBody[NODE_BODY]
	delete webBody[NODE_BODY]
	if (offered && !request.bodyUsed && !webBody.locked) {
		// Locked, so a second reader fails at once instead of waiting for bytes already taken.
		webBody.getReader()
		return offered
	}
	return Readable.fromWeb(webBody as NodeWebReadableStream)
}
