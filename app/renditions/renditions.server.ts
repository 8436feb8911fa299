import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq, isNull, sql } from 'drizzle-orm'
import pLimit from 'p-limit'
import { renditions } from '#db/schema'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import { RenditionBusyError } from '#app/errors'
import { renderRendition } from '#app/images/pipeline.server'
import { log } from '#app/log.server'
import { renditionsMade } from '#app/metrics.server'
import { storage } from '#app/storage/storage.server'
import { CONTENT_TYPES, type Rendition, renditionId } from './options'

// Renditions are made on the first request and kept in storage under a key
// derived from the image, its version and the concrete options. Concurrent
// misses for one key make it once across every process: in a process they
// share one promise; across processes the first to insert (or take over an
// expired) renditions row holds a lease and renders, and the others poll the
// row until it is ready (docs/decisions/025-renditions.md).

/** What a rendition is made from: the image row's part that matters here. */
export type RenditionSource = {
	id: string
	version: number
	originalKey: string
	contentType: string
	format: string
}

/** A stored rendition, as its row describes it. */
export type StoredRendition = {
	key: string
	contentType: string
	byteSize: number
	lastRequestedAt: Date
}

/** A rendition made by this request (its bytes at hand), or found ready. */
export type ObtainedRendition = StoredRendition & { bytes?: Buffer }

const LEASE_SECONDS = 60
/** How long a request waits for a rendition another process is making. */
const WAIT_MS = 30_000
const POLL_MS = 50
/** A hit refreshes last_requested_at at most this often: eviction works in days. */
const TOUCH_AFTER_MS = 60 * 60 * 1000

export const renditionKey = (image: { id: string; version: number }, rendition: Rendition) =>
	`renditions/${image.id}/v${image.version}/${renditionId(rendition)}`

/** Encodes run at most one per core in a process, however many misses arrive. */
const encodes = pLimit(os.availableParallelism())
const inFlight = new Map<string, Promise<ObtainedRendition>>()

/** The stored rendition, made now if it is missing (once, however many ask at once). */
export function obtainRendition(
	image: RenditionSource,
	rendition: Rendition,
): Promise<ObtainedRendition> {
	const key = renditionKey(image, rendition)
	let pending = inFlight.get(key)
	if (!pending) {
		pending = claimOrWait(image, rendition, key).finally(() => inFlight.delete(key))
		inFlight.set(key, pending)
	}
	return pending
}

async function claimOrWait(
	image: RenditionSource,
	rendition: Rendition,
	key: string,
): Promise<ObtainedRendition> {
	const deadline = Date.now() + WAIT_MS
	for (;;) {
		const state = await claimLease(image, key, rendition)
		if (state === 'claimed') return render(image, rendition, key)
		if (state !== 'busy') return state
		if (Date.now() > deadline) {
			throw new RenditionBusyError('This size of the image is still being made; try again shortly.')
		}
		await sleep(POLL_MS)
	}
}

/**
 * Takes the lease on `key` (a new row, or one whose renderer's lease ran out),
 * or reports the row as it stands: ready, or busy with someone else's lease.
 */
async function claimLease(
	image: RenditionSource,
	key: string,
	rendition: Rendition,
): Promise<'claimed' | 'busy' | StoredRendition> {
	const [row] = await db.execute<{
		claimed: boolean
		ready: boolean
		content_type: string | null
		byte_size: number | null
		last_requested_at: Date | string | null
	}>(sql`
		with claimed as (
			insert into renditions (key, image_id, content_type, lease_until)
			values (${key}, ${image.id}, ${CONTENT_TYPES[rendition.format]},
				now() + make_interval(secs => ${LEASE_SECONDS}))
			on conflict (key) do update set lease_until = excluded.lease_until
				where renditions.ready_at is null and renditions.lease_until < now()
			returning key
		)
		select exists (select 1 from claimed) as claimed,
			r.ready_at is not null as ready, r.content_type, r.byte_size, r.last_requested_at
		from (select 1) one left join renditions r on r.key = ${key}`)
	if (row!.claimed) return 'claimed'
	if (!row!.ready) return 'busy'
	return {
		key,
		contentType: row!.content_type!,
		byteSize: row!.byte_size!,
		lastRequestedAt: new Date(row!.last_requested_at!),
	}
}

async function render(
	image: RenditionSource,
	rendition: Rendition,
	key: string,
): Promise<ObtainedRendition> {
	try {
		const original = await storage.get(image.originalKey)
		const made = await encodes(() =>
			renderRendition(original, { contentType: image.contentType }, rendition, {
				maxInputPixels: config.maxInputPixels,
				avifEffort: config.renditions.avifEffort,
			}),
		)
		await storage.put(key, made.buffer, made.contentType)
		const now = new Date()
		await db
			.update(renditions)
			.set({
				readyAt: now,
				leaseUntil: null,
				contentType: made.contentType,
				byteSize: made.buffer.byteLength,
				width: made.width,
				height: made.height,
				lastRequestedAt: now,
			})
			.where(eq(renditions.key, key))
		renditionsMade.inc({ format: rendition.format })
		return {
			key,
			contentType: made.contentType,
			byteSize: made.buffer.byteLength,
			lastRequestedAt: now,
			bytes: made.buffer,
		}
	} catch (error) {
		// Let the next request try again rather than wait out the lease.
		await db
			.delete(renditions)
			.where(and(eq(renditions.key, key), isNull(renditions.readyAt)))
			.catch((cleanup: unknown) =>
				log.error({ err: cleanup, key }, 'Could not release a failed rendition claim'),
			)
		throw error
	}
}

/** A hit keeps its rendition from eviction, with at most one write an hour. */
export function touchRendition(stored: StoredRendition) {
	if (Date.now() - stored.lastRequestedAt.getTime() < TOUCH_AFTER_MS) return
	// A description kept in memory (hits.server.ts) is not touched again for a while.
	stored.lastRequestedAt = new Date()
	void db
		.update(renditions)
		.set({ lastRequestedAt: new Date() })
		.where(eq(renditions.key, stored.key))
		.catch((error: unknown) =>
			log.warn({ err: error, key: stored.key }, 'Could not note a rendition as requested'),
		)
}

/**
 * Forgets a stored rendition whose file has gone (storage emptied by hand, a
 * race with eviction): the next request makes it again.
 */
export async function forgetMissingRendition(key: string) {
	await db.delete(renditions).where(eq(renditions.key, key))
}
