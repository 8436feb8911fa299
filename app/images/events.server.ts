import type { z } from 'zod'
import { sqlClient } from '#app/db.server'
import { EventsUnavailableError, TooManyStreamsError } from '#app/errors'
import { log } from '#app/log.server'
import type { imageEventSchema } from './schemas'

// Live image status for open pages. A trigger (db/migrations/0005) NOTIFYs
// `image_events` at commit on every state change, whoever made it; each web
// process holds ONE LISTEN connection (postgres.js keeps it, reconnecting by
// itself) and hands each event to the owner's open streams (GET /api/events).

const CHANNEL = 'image_events'
/** Open streams per user and web process; a page needs one, a few tabs a few. */
export const MAX_STREAMS_PER_USER = 20
export const PING_MS = 15_000
/** How long a browser waits before reconnecting a dropped stream. */
export const RETRY_MS = 2_000

export type ImageEvent = z.input<typeof imageEventSchema>

/** An image changed, or (resync) events may have been missed while the LISTEN connection was down. */
export type LiveMessage = { kind: 'image'; event: ImageEvent } | { kind: 'resync' }

type Subscriber = (message: LiveMessage) => void

const subscribersByUser = new Map<string, Set<Subscriber>>()
let listening: Promise<unknown> | undefined
let listenedOnce = false

/** Starts the process's LISTEN on first use; a failed start is retried by the next subscriber. */
function ensureListening(): Promise<unknown> {
	listening ??= sqlClient.listen(CHANNEL, onNotify, onListen).catch((error: unknown) => {
		listening = undefined
		log.error({ err: error, channel: CHANNEL }, 'LISTEN for live image events failed')
		throw new EventsUnavailableError('Live events are unavailable right now; retry shortly.')
	})
	return listening
}

// Called on the first LISTEN and again after every reconnect: NOTIFYs sent
// while the connection was down are lost, so pages are told to reload.
function onListen() {
	if (!listenedOnce) {
		listenedOnce = true
		log.info({ channel: CHANNEL }, 'Listening for live image events')
		return
	}
	log.warn({ channel: CHANNEL }, 'LISTEN re-established; asking open pages to resync')
	for (const subscribers of subscribersByUser.values()) deliver(subscribers, { kind: 'resync' })
}

function onNotify(payload: string) {
	let parsed: ImageEvent & { userId?: unknown }
	try {
		parsed = JSON.parse(payload) as typeof parsed
	} catch (error) {
		log.error({ err: error, channel: CHANNEL, payload }, 'Unreadable image event')
		return
	}
	if (typeof parsed.userId !== 'string') return
	const subscribers = subscribersByUser.get(parsed.userId)
	if (!subscribers) return
	const { id, type, status, aiStatus, overallStatus, updatedAt } = parsed
	deliver(subscribers, {
		kind: 'image',
		event: { id, type, status, aiStatus, overallStatus, updatedAt },
	})
}

// A throwing subscriber must not stop the others, nor reach postgres.js's connection.
function deliver(subscribers: Set<Subscriber>, message: LiveMessage) {
	for (const subscriber of subscribers) {
		try {
			subscriber(message)
		} catch (error) {
			log.error({ err: error, channel: CHANNEL }, 'Delivering a live image event failed')
		}
	}
}

/**
 * Adds a subscriber for the user's image events and makes sure this process
 * listens; resolves with the function that removes it. Throws
 * TooManyStreamsError over MAX_STREAMS_PER_USER, EventsUnavailableError when
 * LISTEN cannot be started.
 */
export async function subscribeToImageEvents(
	userId: string,
	subscriber: Subscriber,
): Promise<() => void> {
	const subscribers = subscribersByUser.get(userId) ?? new Set()
	if (subscribers.size >= MAX_STREAMS_PER_USER) {
		throw new TooManyStreamsError(
			`At most ${MAX_STREAMS_PER_USER} event streams may be open at once per user; close one (another tab or client) and try again.`,
		)
	}
	subscribers.add(subscriber)
	subscribersByUser.set(userId, subscribers)
	const unsubscribe = () => {
		subscribers.delete(subscriber)
		if (subscribers.size === 0 && subscribersByUser.get(userId) === subscribers) {
			subscribersByUser.delete(userId)
		}
	}
	try {
		await ensureListening()
	} catch (error) {
		unsubscribe()
		throw error
	}
	return unsubscribe
}

const encoder = new TextEncoder()

/** One server-sent event (or comment) as bytes. */
function frame(text: string) {
	return encoder.encode(`${text}\n\n`)
}

/**
 * The body of GET /api/events: `event: image` for each change of one of the
 * user's images, `event: resync` after missed events, a `: ping` comment every
 * 15 s. Ends when the client goes away (`signal`) or the server drains.
 */
export async function imageEventStream(
	userId: string,
	signal: AbortSignal,
	/** Checked at every ping: a stream outliving its sign-out or revoked token ends. */
	stillAuthorized: () => Promise<boolean>,
): Promise<ReadableStream<Uint8Array>> {
	// Unset until the stream exists; an event before then is covered by the
	// page's reload when the stream opens.
	let controller: ReadableStreamDefaultController<Uint8Array> | undefined
	let closed = false
	const send = (bytes: Uint8Array) => {
		if (!closed) controller?.enqueue(bytes)
	}
	const unsubscribe = await subscribeToImageEvents(userId, (message) => {
		if (message.kind === 'resync') send(frame('event: resync\ndata: {}'))
		else send(frame(`event: image\ndata: ${JSON.stringify(message.event)}`))
	})
	const ping = setInterval(() => {
		stillAuthorized().then(
			(authorized) => (authorized ? send(frame(': ping')) : close()),
			(error: unknown) => {
				// The database is away: keep the stream; the next ping asks again.
				log.warn({ err: error, userId }, "Could not recheck an event stream's session")
				send(frame(': ping'))
			},
		)
	}, PING_MS)
	const close = () => {
		if (closed) return
		closed = true
		clearInterval(ping)
		unsubscribe()
		signal.removeEventListener('abort', close)
		try {
			controller?.close()
		} catch {
			// Already cancelled by the reader.
		}
	}
	signal.addEventListener('abort', close)
	return new ReadableStream<Uint8Array>({
		start(c) {
			controller = c
			// The comment makes the response start at once, so the client knows it is connected.
			c.enqueue(frame(`retry: ${RETRY_MS}\n: connected`))
			if (signal.aborted) close()
		},
		cancel: close,
	})
}
