import postgres from 'postgres'
import { databaseUrl } from '#app/db.server'
import { ObjectNotFoundError } from '#app/errors'
import { ifNoneMatchMatches } from '#app/http/etag.server'
import { log } from '#app/log.server'
import { renditionRequests } from '#app/metrics.server'
import { storage } from '#app/storage/storage.server'
import { findRenditionImage } from './access.server'
import { type StoredRendition, touchRendition } from './renditions.server'
import {
	candidateKeys,
	parseRenditionPath,
	renditionHeaders,
	requestedOptions,
	WHOLE_READ_BYTES,
} from './request.server'

// Hits of signed rendition URLs, answered by the web server before Remix
// (server/web.ts), from what this process remembers of each image: its
// version, whether it may have transparency, and its stored renditions. A
// request this cannot answer for sure (unsigned, unknown, a miss, an error,
// a stale version) goes on to the route, app/routes/img.$.ts, which decides.
//
// What is remembered must not outlive a deletion or a re-processing. Both
// change the images row, whose trigger NOTIFYs `image_events` at commit
// (db/migrations/0005, 0015); each web process LISTENs on a connection of its
// own and forgets the image. While that connection is down nothing is
// answered here, and everything is forgotten when it comes back, since
// notifications sent meanwhile are lost. A lookup that was under way when its
// image's notification arrived is not kept. Unsigned preset URLs are never
// answered here: revoking a share link changes no images row, and the route
// checks the link on every request (docs/decisions/025-renditions.md).

const CHANNEL = 'image_events'
/** Images remembered per process, least recently used forgotten first. */
const MAX_IMAGES = 10_000
/** A safety net for a connection that died without closing: nothing is trusted longer. */
const REMEMBER_MS = 30_000
const RELISTEN_MS = 1_000

type RememberedImage = {
	version: number
	hasAlpha: boolean
	stored: Map<string, StoredRendition>
	until: number
}

/** An answer for the web server to send as it is. */
export type HitAnswer = {
	status: 200 | 304
	headers: Record<string, string>
	body?: Buffer
}

const remembered = new Map<string, RememberedImage>()
/** Lookups under way, marked stale when their image changes (or everything is forgotten) meanwhile. */
const lookups = new Set<{ imageId: string; stale: boolean }>()
let listening = false
let listener: postgres.Sql | undefined

/** Starts this process's LISTEN; until it is up, every request goes to the route. */
export function startRenditionHits() {
	// onnotify and a null max_lifetime (never recycle: each close pauses hits)
	// are postgres.js options its types leave out; its own listen() uses them.
	listener ??= postgres(databaseUrl, {
		max: 1,
		max_lifetime: null,
		fetch_types: false,
		onnotice: () => {},
		onnotify: (_channel: string, payload: string) => forgetImage(imageIdOf(payload)),
		onclose: () => {
			if (listening) log.warn({ channel: CHANNEL }, 'Rendition hits paused: LISTEN connection lost')
			forgetAll()
			setTimeout(listen, RELISTEN_MS).unref()
		},
	} as unknown as postgres.Options<Record<string, never>>)
	listen()
}

export async function stopRenditionHits() {
	const ending = listener
	listener = undefined
	forgetAll()
	await ending?.end({ timeout: 1 })
}

function listen() {
	const sql = listener
	if (!sql || listening) return
	sql`listen image_events`.then(
		() => {
			// Whatever was remembered before may have missed notifications.
			forgetAll()
			listening = sql === listener
		},
		(error: unknown) => {
			log.warn({ err: error, channel: CHANNEL }, 'Rendition hits: LISTEN failed; retrying')
			// A connection that never opened does not close: try again from here.
			setTimeout(listen, RELISTEN_MS).unref()
		},
	)
}

function forgetAll() {
	listening = false
	remembered.clear()
	for (const lookup of lookups) lookup.stale = true
}

function forgetImage(imageId: string | undefined) {
	if (!imageId) return
	remembered.delete(imageId)
	for (const lookup of lookups) if (lookup.imageId === imageId) lookup.stale = true
}

function imageIdOf(payload: string): string | undefined {
	try {
		const id = (JSON.parse(payload) as { id?: unknown }).id
		return typeof id === 'string' ? id : undefined
	} catch {
		// Everything, rather than risk keeping an image that changed.
		log.error({ channel: CHANNEL, payload }, 'Unreadable image event; forgetting every image')
		remembered.clear()
		return undefined
	}
}

/**
 * The answer to GET or HEAD /img/<path> when it is a hit of a signed URL
 * this process can vouch for; null sends the request on to the route.
 */
export async function answerRenditionHit(
	pathText: string,
	request: { method: string; accept: string | null; ifNoneMatch: string | null },
): Promise<HitAnswer | null> {
	if (!listening) return null
	const path = parseRenditionPath(pathText)
	if (!path?.signed) return null
	let requested
	try {
		requested = requestedOptions(path.optionsText, false)
	} catch {
		return null
	}
	const keys = candidateKeys(path, requested, request.accept)
	let image = recall(path.imageId)
	if (!image || !keys.some((key) => image!.stored.has(key))) {
		image = await lookUp(path.imageId, keys)
	}
	if (!image || image.version !== path.version) return null
	const key = keys[image.hasAlpha ? 1 : 0]!
	const stored = image.stored.get(key)
	if (!stored || stored.byteSize > WHOLE_READ_BYTES) return null

	const headers = renditionHeaders(key, {
		unsigned: false,
		negotiated: requested.format === 'auto',
	})
	if (ifNoneMatchMatches(request.ifNoneMatch, headers.ETag!)) {
		renditionRequests.inc({ result: 'not-modified' })
		return { status: 304, headers }
	}
	Object.assign(headers, {
		'Content-Type': stored.contentType,
		'Content-Length': String(stored.byteSize),
	})
	let body: Buffer | undefined
	if (request.method !== 'HEAD') {
		try {
			body = await storage.get(stored.key)
		} catch (error) {
			// Gone from storage: the route forgets its row and makes it again.
			if (!(error instanceof ObjectNotFoundError)) throw error
			image.stored.delete(key)
			return null
		}
	}
	touchRendition(stored)
	renditionRequests.inc({ result: 'hit' })
	return { status: 200, headers, body }
}

function recall(imageId: string): RememberedImage | undefined {
	const image = remembered.get(imageId)
	if (!image) return undefined
	if (image.until < Date.now()) {
		remembered.delete(imageId)
		return undefined
	}
	// Most recently used last: Map keeps insertion order.
	remembered.delete(imageId)
	remembered.set(imageId, image)
	return image
}

/** The image as the database has it now, remembered unless it changed meanwhile. */
async function lookUp(imageId: string, keys: string[]): Promise<RememberedImage | undefined> {
	const lookup = { imageId, stale: false }
	lookups.add(lookup)
	try {
		const found = await findRenditionImage(imageId, { withSharing: false, keys })
		if (!found || found.deleted || found.failed) return undefined
		const known = remembered.get(imageId)
		const image: RememberedImage =
			known?.version === found.version
				? known
				: {
						version: found.version,
						hasAlpha: found.hasAlpha,
						stored: new Map(),
						until: Date.now() + REMEMBER_MS,
					}
		for (const stored of found.stored) image.stored.set(stored.key, stored)
		if (!lookup.stale && listening) {
			remembered.set(imageId, image)
			if (remembered.size > MAX_IMAGES) remembered.delete(remembered.keys().next().value!)
		}
		return image
	} finally {
		lookups.delete(lookup)
	}
}
