import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { and, eq, gt, lt, sql, TransactionRollbackError } from 'drizzle-orm'
import { idempotencyKeys, images, users } from '#db/schema'
import { imageVisibilities, type ImageVisibility } from '#db/statuses'
import { config } from '#app/config.server'
import { db } from '#app/db.server'
import {
	DuplicateImageError,
	UnprocessableImageError,
	UnsupportedMediaTypeError,
	ValidationError,
} from '#app/errors'
import { firstWithSameBytes, sameBytesCheck } from '#app/duplicates/upload-policy.server'
import { log } from '#app/log.server'
import { uploadBytes } from '#app/metrics.server'
import { storage } from '#app/storage/storage.server'
import { inSpan } from '#app/tracing.server'
import { safeFilename } from './filename'
import { enqueueJob } from './jobs.server'
import { originalKey } from './keys'
import { type ReceivedFile, receiveFile } from './multipart.server'
import { inspectImage } from './pipeline.server'
import { assertWithinQuota, type QuotaHolder } from './quota.server'
import { idempotencyKeyPattern, MAX_IDEMPOTENCY_KEY_LENGTH } from './schemas'
import { detectImageType } from './sniff.server'

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000

/** The upload's optional `visibility` field; empty or absent means the uploader's default. */
function chosenVisibility(value: string | undefined): ImageVisibility | undefined {
	if (value === undefined || value.trim() === '') return undefined
	const visibility = imageVisibilities.find((known) => known === value.trim())
	if (visibility) return visibility
	const message = `must be one of: ${imageVisibilities.join(', ')}`
	throw new ValidationError(`visibility: ${message}`, [{ path: 'visibility', message }])
}

type ImageRow = typeof images.$inferSelect

export type UploadResult = { image: ImageRow; replayed: boolean }

type UploadArgs = QuotaHolder & {
	idempotencyKey?: string | null
	requestId?: string
}

/**
 * Receives one image: stream to disk with a byte cap and a hash, decide the
 * type from the bytes, check its structure and header, move the spooled file
 * into storage, then insert the row and its job in one transaction. Whatever
 * fails, nothing is left behind.
 */
export function uploadImage(args: UploadArgs & { request: Request }): Promise<UploadResult> {
	// The root span of the trace that follows this image through its jobs.
	return inSpan('upload', { 'darkroom.user_id': args.userId }, async (span) => {
		const key = parseIdempotencyKey(args.idempotencyKey)
		const file = await receiveFile(args.request, {
			maxBytes: config.maxUploadBytes,
			tmpDir: path.join(config.dataDir, 'tmp'),
		})
		const result = await store(file, key, args)
		span.setAttribute('darkroom.image_id', result.image.id)
		return result
	})
}

/** The same, for a file already received (one part of a form with several). */
export function uploadReceivedFile(file: ReceivedFile, args: UploadArgs): Promise<UploadResult> {
	return inSpan('upload', { 'darkroom.user_id': args.userId }, async (span) => {
		const result = await store(file, parseIdempotencyKey(args.idempotencyKey), args)
		span.setAttribute('darkroom.image_id', result.image.id)
		return result
	})
}

/** Validates and stores a received file; its temporary file is removed whatever happens. */
async function store(
	file: ReceivedFile,
	key: string | undefined,
	{ userId, quotaBytes, requestId }: UploadArgs,
): Promise<UploadResult> {
	// putFile takes the spooled file over, whatever its outcome; until then it is ours to remove.
	let handedOver = false
	try {
		const visibility = chosenVisibility(file.fields?.visibility)
		if (key) {
			const replay = await findReplay(userId, key, file.sha256)
			if (replay) return { image: replay, replayed: true }
		}
		if (file.byteSize === 0) throw new UnprocessableImageError('The file is empty.')
		// A repeat of an image the owner has is refused before anything is stored, when the instance says so.
		const { earlier, policy } = await sameBytesCheck(userId, file.sha256)
		if (earlier && policy === 'refuse') throw new DuplicateImageError(earlier)
		// A replay above creates nothing, so only new images are held to the quota.
		await assertWithinQuota(db, { userId, quotaBytes }, file.byteSize)
		const type = await detectImageType(file.head)
		if (!type) {
			throw new UnsupportedMediaTypeError(
				'The file is not a supported image. Accepted: JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC.',
			)
		}
		const info = await inspectImage(file.path, type, { maxInputPixels: config.maxInputPixels })

		const imageId = randomUUID()
		const objectKey = originalKey(userId, imageId, type.ext)
		// The spooled file itself becomes the original: renamed on local disk, streamed to S3.
		handedOver = true
		await storage.putFile(objectKey, file.path, type.contentType)
		try {
			const image = await db.transaction(async (tx) => {
				// Again under a per-user lock: concurrent uploads must not overshoot together.
				await assertWithinQuota(tx, { userId, quotaBytes }, file.byteSize, { lock: true })
				// Row and job sent together, one round trip (neither reads the other).
				const [[row]] = await Promise.all([
					tx
						.insert(images)
						.values({
							id: imageId,
							userId,
							filename: safeFilename(file.clientFilename, type.ext),
							contentType: type.contentType,
							byteSize: file.byteSize,
							sha256: file.sha256,
							width: info.width,
							height: info.height,
							format: info.format,
							originalKey: objectKey,
							// Read under the quota lock, so a concurrent twin committed first is seen.
							duplicateOf: firstWithSameBytes(userId, file.sha256),
							// As the form asked, else as the uploader prefers (Settings).
							visibility:
								visibility ??
								sql`(select ${users.defaultVisibility} from ${users} where ${users.id} = ${userId})`,
						})
						.returning(),
					enqueueJob(tx, 'process-image', imageId, requestId, userId),
				])
				if (key) {
					await tx
						.delete(idempotencyKeys)
						.where(
							and(
								eq(idempotencyKeys.userId, userId),
								eq(idempotencyKeys.key, key),
								lt(idempotencyKeys.createdAt, windowStart()),
							),
						)
					const claimed = await tx
						.insert(idempotencyKeys)
						.values({ userId, key, imageId, sha256: file.sha256 })
						.onConflictDoNothing()
						.returning({ key: idempotencyKeys.key })
					// A concurrent request with the same key won: roll ours back (the
					// row too, not only its job), answer with theirs.
					if (claimed.length === 0) tx.rollback()
				}
				// A twin sent at the same moment got in first: refused as it would be
				// after it (the rollback takes the job too).
				if (row!.duplicateOf && policy === 'refuse') {
					throw new DuplicateImageError(row!.duplicateOf)
				}
				return row!
			})
			uploadBytes.inc(file.byteSize)
			return { image, replayed: false }
		} catch (error) {
			await removeQuietly(objectKey)
			if (!(error instanceof TransactionRollbackError)) throw error
		}
		const replay = await findReplay(userId, key!, file.sha256)
		if (!replay) throw new Error('Idempotency key conflict without a stored image')
		return { image: replay, replayed: true }
	} finally {
		if (!handedOver) await fs.rm(file.path, { force: true })
	}
}

const windowStart = () => new Date(Date.now() - IDEMPOTENCY_WINDOW_MS)

function parseIdempotencyKey(value: string | null | undefined) {
	if (value == null) return undefined
	if (!idempotencyKeyPattern.test(value)) {
		const rule = `must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`
		throw new ValidationError(`Idempotency-Key ${rule}.`, [
			{ path: 'Idempotency-Key', message: rule },
		])
	}
	return value
}

async function findReplay(userId: string, key: string, sha256: string) {
	const [found] = await db
		.select({ image: images, sha256: idempotencyKeys.sha256 })
		.from(idempotencyKeys)
		.innerJoin(images, eq(images.id, idempotencyKeys.imageId))
		.where(
			and(
				eq(idempotencyKeys.userId, userId),
				eq(idempotencyKeys.key, key),
				gt(idempotencyKeys.createdAt, windowStart()),
			),
		)
	if (!found) return undefined
	if (found.sha256 !== sha256) {
		throw new ValidationError('This Idempotency-Key was already used for a different file.', [
			{ path: 'Idempotency-Key', message: 'already used for a different file' },
		])
	}
	return found.image
}

async function removeQuietly(key: string) {
	await storage.delete([key]).catch((error: unknown) => {
		log.error({ err: error, key }, 'Could not remove the original after a failed upload')
	})
}
