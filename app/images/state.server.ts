import { and, eq, inArray, isNotNull, isNull, like, type SQL, sql } from 'drizzle-orm'
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core'
import { type AiResult, images } from '#db/schema'
import type { ImageVisibility } from '#db/statuses'
import type { Db, Tx } from '#app/db.server'
import type { ImageRow } from './queries.server'

// The only module that changes an image's state: its two stages, their
// errors and outputs, and the trash. Each change is one conditional UPDATE
// (its guard says which state it may leave), so a duplicate run or a race
// changes nothing. updated_at moves with every change: live events carry it
// and the stuck-stage sweep reads it. The database's triggers record webhook
// events and notify open pages in the same statement, so in the caller's
// transaction when it passes one.

type Executor = Db | Tx

/** The error of an image whose original is gone (removed by hand, a lifecycle rule, a partial restore). */
export const MISSING_ORIGINAL = 'The original file is missing from storage.'

type StateColumns =
	| 'status'
	| 'aiStatus'
	| 'error'
	| 'aiError'
	| 'processingStartedAt'
	| 'processedAt'
	| 'metadata'
	| 'takenAt'
	| 'thumbnail'
	| 'optimized'
	| 'placeholder'
	| 'phash'
	| 'ai'
	| 'aiCompletedAt'
	| 'deletedAt'
	| 'visibility'
	| 'version'

type StateChange = Pick<PgUpdateSetSource<typeof images>, StateColumns>

function changeState(executor: Executor, change: StateChange, where: SQL | undefined) {
	return executor
		.update(images)
		.set({ ...change, updatedAt: sql`now()` })
		.where(where)
}

const byId = (imageId: string) => eq(images.id, imageId)
const live = isNull(images.deletedAt)

// The image stage.

/** Takes the image stage of a live image waiting for it (or left processing by a run that died). */
export async function claimImageStage(
	executor: Executor,
	imageId: string,
): Promise<ImageRow | undefined> {
	const [image] = await changeState(
		executor,
		{ status: 'processing', processingStartedAt: sql`now()` },
		and(byId(imageId), inArray(images.status, ['pending', 'processing']), live),
	).returning()
	return image
}

export type ImageStageOutputs = Pick<
	ImageRow,
	'metadata' | 'takenAt' | 'thumbnail' | 'optimized' | 'placeholder' | 'phash'
>

/**
 * Completes a processing image stage, deciding the AI stage in the same update
 * (one row change, one notification); false when another run already did.
 */
export async function completeImageStage(
	executor: Executor,
	imageId: string,
	outputs: ImageStageOutputs,
	{ skippedReason }: { skippedReason?: string } = {},
): Promise<boolean> {
	const rows = await changeState(
		executor,
		{
			...outputs,
			status: 'completed',
			error: null,
			processedAt: sql`now()`,
			...aiStageDecided(skippedReason),
		},
		and(byId(imageId), eq(images.status, 'processing')),
	).returning({ id: images.id })
	return rows.length > 0
}

/**
 * Sets the perceptual hash of a completed image that has none yet (images
 * processed before hashes existed); false when it is gone, unfinished or hashed.
 */
export async function setMissingPhash(
	executor: Executor,
	imageId: string,
	phash: bigint,
): Promise<boolean> {
	const rows = await changeState(
		executor,
		{ phash },
		and(byId(imageId), eq(images.status, 'completed'), isNull(images.phash)),
	).returning({ id: images.id })
	return rows.length > 0
}

/** Fails a processing image stage with a reason the owner can read. */
export async function failImageStage(executor: Executor, imageId: string, reason: string) {
	await changeState(
		executor,
		{ status: 'failed', error: reason },
		and(byId(imageId), eq(images.status, 'processing')),
	)
}

/** Both stages to run again, whatever state they are in: the AI stage follows a fresh image stage. */
export async function queueImageStageAgain(executor: Executor, imageId: string) {
	await changeState(
		executor,
		// A new version: the image's rendition URLs change, and the old ones answer 410.
		{
			status: 'pending',
			aiStatus: 'pending',
			error: null,
			aiError: null,
			version: sql`${images.version} + 1`,
		},
		byId(imageId),
	)
}

/** An image stage whose job gave up (an admin retries the job): pending again, and the AI stage with it. */
export async function retryImageStage(executor: Executor, imageId: string) {
	await changeState(
		executor,
		{ status: 'pending', aiStatus: 'pending', error: null },
		and(byId(imageId), inArray(images.status, ['failed', 'processing'])),
	)
}

/**
 * Fails these images whatever their state: a restore found their files
 * missing, so no stage could run or serve them.
 */
export async function failImages(executor: Executor, ids: string[], reason: string) {
	if (ids.length === 0) return
	await changeState(executor, { status: 'failed', error: reason }, inArray(images.id, ids))
}

/** Fails finished images among `ids` (one being reprocessed is left to its job); returns how many. */
export async function failFinishedImages(
	executor: Executor,
	ids: string[],
	reason: string,
): Promise<number> {
	const rows = await changeState(
		executor,
		{ status: 'failed', error: reason },
		and(inArray(images.id, ids), inArray(images.status, ['completed', 'failed'])),
	).returning({ id: images.id })
	return rows.length
}

/** Fails unfinished image stages that also match `stuck`; returns how many. */
export async function failStuckImageStages(
	executor: Executor,
	stuck: SQL,
	reason: string,
): Promise<number> {
	const rows = await changeState(
		executor,
		{ status: 'failed', error: reason },
		and(inArray(images.status, ['pending', 'processing']), stuck),
	).returning({ id: images.id })
	return rows.length
}

// The AI stage.

/**
 * The AI stage of an image whose image stage is complete: pending (to be
 * queued), or skipped for `skippedReason`. False when the image is not complete.
 */
export async function decideAiStageState(
	executor: Executor,
	imageId: string,
	{ skippedReason }: { skippedReason?: string } = {},
): Promise<boolean> {
	const rows = await changeState(
		executor,
		aiStageDecided(skippedReason),
		and(byId(imageId), eq(images.status, 'completed')),
	).returning({ id: images.id })
	return rows.length > 0
}

/** The AI stage of an image whose image stage is complete: waiting for its job, or skipped and why. */
const aiStageDecided = (skippedReason: string | undefined): StateChange =>
	skippedReason
		? { aiStatus: 'skipped', aiError: skippedReason }
		: { aiStatus: 'pending', aiError: null }

/**
 * Takes the AI stage of a live, completed image waiting for it (or left
 * processing by a run that died); with `skippedReason` (no provider) skips it instead.
 */
export async function claimAiStage(
	executor: Executor,
	imageId: string,
	{ skippedReason }: { skippedReason?: string } = {},
): Promise<ImageRow | undefined> {
	const [image] = await changeState(
		executor,
		skippedReason ? { aiStatus: 'skipped', aiError: skippedReason } : { aiStatus: 'processing' },
		and(
			byId(imageId),
			eq(images.status, 'completed'),
			inArray(images.aiStatus, ['pending', 'processing']),
			live,
		),
	).returning()
	return image
}

/** Completes a processing AI stage; false when another run already did. */
export async function completeAiStage(
	executor: Executor,
	imageId: string,
	ai: AiResult,
): Promise<boolean> {
	const rows = await changeState(
		executor,
		{ aiStatus: 'completed', aiError: null, ai, aiCompletedAt: sql`now()` },
		and(byId(imageId), eq(images.aiStatus, 'processing')),
	).returning({ id: images.id })
	return rows.length > 0
}

/** Fails a processing AI stage with a reason the owner can read. */
export async function failAiStage(executor: Executor, imageId: string, reason: string) {
	await changeState(
		executor,
		{ aiStatus: 'failed', aiError: reason },
		and(byId(imageId), eq(images.aiStatus, 'processing')),
	)
}

/** How aiError starts when the analysis stands but its search embedding failed. */
export const EMBEDDING_FAILED = 'Search embedding failed:'

/**
 * The search embedding of a completed analysis failed for good: the reason in
 * aiError, the stage still completed (the analysis is fine; word search works).
 */
export async function recordEmbeddingFailure(executor: Executor, imageId: string, reason: string) {
	await changeState(
		executor,
		{ aiError: `${EMBEDDING_FAILED} ${reason}` },
		and(byId(imageId), eq(images.aiStatus, 'completed')),
	)
}

/** A later embedding succeeded: the failure it recorded goes. */
export async function clearEmbeddingFailure(executor: Executor, imageId: string) {
	await changeState(
		executor,
		{ aiError: null },
		and(
			byId(imageId),
			eq(images.aiStatus, 'completed'),
			like(images.aiError, `${EMBEDDING_FAILED}%`),
		),
	)
}

/** An AI stage whose job gave up (an admin retries the job): pending again. */
export async function retryAiStage(executor: Executor, imageId: string) {
	await changeState(
		executor,
		{ aiStatus: 'pending', aiError: null },
		and(byId(imageId), inArray(images.aiStatus, ['failed', 'processing'])),
	)
}

/** Fails unfinished AI stages (of completed images) that also match `stuck`; returns how many. */
export async function failStuckAiStages(
	executor: Executor,
	stuck: SQL,
	reason: string,
): Promise<number> {
	const rows = await changeState(
		executor,
		{ aiStatus: 'failed', aiError: reason },
		and(eq(images.status, 'completed'), inArray(images.aiStatus, ['pending', 'processing']), stuck),
	).returning({ id: images.id })
	return rows.length
}

// Sharing (decision 022).

/** Shares the live images among `ids` with the team, or makes them private again. */
export async function setImageVisibility(
	executor: Executor,
	ids: string[],
	visibility: ImageVisibility,
) {
	await changeState(executor, { visibility }, and(inArray(images.id, ids), live))
}

// The trash (decision 015).

/** Moves the live images among `ids` to the trash; returns their ids. */
export async function trashImageRows(executor: Executor, ids: string[]): Promise<string[]> {
	const rows = await changeState(
		executor,
		{ deletedAt: sql`now()` },
		and(inArray(images.id, ids), live),
	).returning({ id: images.id })
	return rows.map((row) => row.id)
}

/** Brings the trashed images among `ids` back; returns them with their stages' state. */
export async function restoreImageRows(executor: Executor, ids: string[]) {
	return changeState(
		executor,
		{ deletedAt: null },
		and(inArray(images.id, ids), isNotNull(images.deletedAt)),
	).returning({ id: images.id, status: images.status, aiStatus: images.aiStatus })
}
