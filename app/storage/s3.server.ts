import {
	CopyObjectCommand,
	DeleteObjectsCommand,
	GetObjectCommand,
	HeadBucketCommand,
	HeadObjectCommand,
	ListObjectsV2Command,
	PutObjectCommand,
	S3Client,
	type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { createReadStream } from 'node:fs'
import fs from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { AppError, ObjectNotFoundError, StorageUnavailableError } from '#app/errors'
import { log } from '#app/log.server'
import { assertValidKey, assertValidPrefix, contentDisposition, isValidKey } from './common'
import type { ObjectInfo, Storage } from './types'

export type S3StorageOptions = {
	/** Unset: AWS itself. Set for MinIO, R2, s3rver … */
	endpoint?: string
	region: string
	bucket: string
	accessKeyId: string
	secretAccessKey: string
	forcePathStyle: boolean
	/** Keys per ListObjectsV2 page (S3's maximum, 1000, by default). */
	listPageSize?: number
}

export type S3ClientOptions = Pick<
	S3StorageOptions,
	'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'forcePathStyle'
>

/** S3 allows at most 1000 keys per DeleteObjects request. */
const DELETE_BATCH = 1000
/** The health check must answer quickly even when the endpoint hangs. */
const CHECK_TIMEOUT_MS = 3000
/**
 * putFile sends files from this size on as a multipart upload in parts of this
 * size: a failed part is retried alone, and memory stays at a few parts.
 */
export const MULTIPART_PART_SIZE = 8 * 1024 * 1024

export function createS3Storage(options: S3StorageOptions): Storage {
	const { bucket } = options
	const client = new S3Client(s3ClientConfig(options))

	return {
		driver: 's3',
		async put(key, body, contentType) {
			assertValidKey(key)
			if (Buffer.isBuffer(body)) {
				const command = new PutObjectCommand({
					Bucket: bucket,
					Key: key,
					Body: body,
					ContentType: contentType,
					ContentLength: body.length,
				})
				await client.send(command).catch(rethrowAs('put'))
				return
			}
			await putStream(client, {
				Bucket: bucket,
				Key: key,
				Body: body.stream(),
				ContentType: contentType,
				ContentLength: body.byteSize,
			})
		},
		async putFile(key, filePath, contentType) {
			try {
				assertValidKey(key)
				await putLocalFile(client, { Bucket: bucket, Key: key, ContentType: contentType }, filePath)
			} finally {
				// Taken over either way: the spooled file must not outlive the put.
				await fs.rm(filePath, { force: true }).catch((error: unknown) => {
					s3Log.warn({ err: error }, 'Could not remove a spooled upload file')
				})
			}
		},
		async get(key) {
			assertValidKey(key)
			try {
				const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
				if (!result.Body) throw new Error('GetObject returned no body')
				return Buffer.from(await result.Body.transformToByteArray())
			} catch (error) {
				if (isMissingObject(error)) throw new ObjectNotFoundError(key)
				throw toStorageError(error, 'get')
			}
		},
		async getStream(key) {
			assertValidKey(key)
			try {
				const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
				if (!result.Body) throw new Error('GetObject returned no body')
				return { stream: result.Body as Readable, size: result.ContentLength ?? 0 }
			} catch (error) {
				if (isMissingObject(error)) throw new ObjectNotFoundError(key)
				throw toStorageError(error, 'get')
			}
		},
		async delete(keys) {
			keys.forEach(assertValidKey)
			const unique = [...new Set(keys)]
			for (let start = 0; start < unique.length; start += DELETE_BATCH) {
				const batch = unique.slice(start, start + DELETE_BATCH)
				const command = new DeleteObjectsCommand({
					Bucket: bucket,
					// Quiet: only failures are listed; missing keys count as deleted.
					Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
				})
				const result = await client.send(command).catch(rethrowAs('delete'))
				const failed = result.Errors ?? []
				if (failed.length > 0) {
					const first = failed[0]!
					const cause = new Error(
						`${failed.length} object(s) not deleted, first ${first.Key}: ${first.Code} ${first.Message}`,
					)
					throw new StorageUnavailableError('Object storage failed to delete objects.', { cause })
				}
			}
		},
		async move(from, to) {
			assertValidKey(from)
			assertValidKey(to)
			// S3 has no rename: copy (server side, keeping the content type), then delete.
			const copy = new CopyObjectCommand({
				Bucket: bucket,
				Key: to,
				CopySource: `${bucket}/${from}`,
			})
			try {
				await client.send(copy)
			} catch (error) {
				if (isMissingObject(error)) return
				throw toStorageError(error, 'move')
			}
			await this.delete([from])
		},
		async exists(key) {
			assertValidKey(key)
			try {
				await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
				return true
			} catch (error) {
				if (isMissingObject(error)) return false
				throw toStorageError(error, 'exists')
			}
		},
		list(prefix) {
			assertValidPrefix(prefix)
			return listObjects(client, bucket, prefix, options.listPageSize ?? 1000)
		},
		async signedUrl(key, { expiresAt, signedAt, contentType, disposition, filename }) {
			assertValidKey(key)
			// X-Amz-Date and X-Amz-Expires both come from the window, not the
			// clock, so signing again within the window gives the same URL.
			const expiresIn = Math.round((expiresAt.getTime() - signedAt.getTime()) / 1000)
			const command = new GetObjectCommand({
				Bucket: bucket,
				Key: key,
				// Served with these headers whatever the object carries, like the local driver.
				ResponseContentType: contentType,
				ResponseContentDisposition: contentDisposition(disposition, filename),
				// Signed into the URL, so it is the URL's whole lifetime rather than
				// what remains of it (as /files sends): fixed within the window.
				ResponseCacheControl: `private, max-age=${expiresIn}, immutable`,
			})
			// Presigning is local computation; it only fails on bad input or credentials.
			return getSignedUrl(client, command, { expiresIn, signingDate: signedAt }).catch(
				rethrowAs('sign'),
			)
		},
		async check() {
			const command = new HeadBucketCommand({ Bucket: bucket })
			try {
				await client.send(command, { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) })
			} catch (error) {
				// Any failure here, a missing bucket (a bare 404 to HEAD) included, means storage cannot be used.
				throw new StorageUnavailableError('Object storage is unavailable (check failed).', {
					cause: error,
				})
			}
		},
	}
}

/** The SDK settings every S3 client of ours uses (storage, backup targets). */
export function s3ClientConfig(options: S3ClientOptions): S3ClientConfig {
	return {
		endpoint: options.endpoint,
		region: options.region,
		forcePathStyle: options.forcePathStyle,
		credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
		// One retry for transient errors. The SDK never retries a streamed body
		// (it cannot be replayed); the caller, a request or a job, decides.
		maxAttempts: 2,
		// Fail fast on a dead endpoint: no connection in 2 s, or a connection
		// silent for 10 s, is an outage rather than a slow upload.
		requestHandler: { connectionTimeout: 2000, socketTimeout: 10_000 },
		// The SDK's default checksums (CRC32 trailers, aws-chunked bodies) are
		// not understood by many S3-compatible servers; send them only where S3 requires them.
		requestChecksumCalculation: 'WHEN_REQUIRED',
		responseChecksumValidation: 'WHEN_REQUIRED',
		// Without a logger the SDK warns on the console (e.g. for every failed
		// streamed put, which the caller already sees as an error).
		logger: sdkLogger,
	}
}

const s3Log = log.child({ component: 's3' })
const sdkLogger = {
	debug: () => {},
	info: () => {},
	warn: (...content: unknown[]) => s3Log.warn({ sdk: content }, 'AWS SDK warning'),
	error: (...content: unknown[]) => s3Log.error({ sdk: content }, 'AWS SDK error'),
}

/** ListObjectsV2, one page at a time as the caller consumes them. */
async function* listObjects(
	client: S3Client,
	bucket: string,
	prefix: string,
	pageSize: number,
): AsyncGenerator<ObjectInfo> {
	let token: string | undefined
	do {
		const command = new ListObjectsV2Command({
			Bucket: bucket,
			Prefix: prefix,
			MaxKeys: pageSize,
			ContinuationToken: token,
		})
		const page = await client.send(command).catch(rethrowAs('list'))
		for (const object of page.Contents ?? []) {
			if (!object.Key || !isValidKey(object.Key)) continue
			// Without a date the object counts as new: callers delete by age.
			const lastModified = object.LastModified ?? new Date()
			yield { key: object.Key, size: object.Size ?? 0, lastModified }
		}
		token = page.IsTruncated ? page.NextContinuationToken : undefined
	} while (token)
}

type PutStreamInput = ConstructorParameters<typeof PutObjectCommand>[0] & { Body: Readable }

async function putStream(client: S3Client, input: PutStreamInput): Promise<void> {
	// The SDK pipes the body with .pipe(), which does not forward a source
	// error: without this the request would hang and the error go unhandled.
	const abort = new AbortController()
	let sourceError: unknown
	input.Body.on('error', (error) => {
		sourceError ??= error
		abort.abort(error)
	})
	try {
		await client.send(new PutObjectCommand(input), { abortSignal: abort.signal })
	} catch (error) {
		// The upload's own failure (too large, client gone …) is passed on untouched.
		throw sourceError ?? toStorageError(error, 'put')
	}
}

type FileTarget = { Bucket: string; Key: string; ContentType: string }

async function putLocalFile(client: S3Client, target: FileTarget, filePath: string): Promise<void> {
	// A missing file is the caller's bug: its ENOENT passes on as is, not as an outage.
	const { size } = await fs.stat(filePath)
	if (size < MULTIPART_PART_SIZE) {
		await putStream(client, { ...target, Body: createReadStream(filePath), ContentLength: size })
		return
	}
	await uploadMultipart(client, { ...target, ContentLength: size }, filePath)
}

/**
 * lib-storage's Upload: parts of MULTIPART_PART_SIZE, two in flight. On any
 * failure it aborts the multipart upload itself (leavePartsOnError defaults to
 * false), so no orphaned parts are left billed.
 */
async function uploadMultipart(
	client: S3Client,
	target: FileTarget & { ContentLength: number },
	filePath: string,
): Promise<void> {
	const body = createReadStream(filePath)
	// As in putStream: a failing read is passed on untouched, not taken for an outage.
	let sourceError: unknown
	body.once('error', (error) => (sourceError ??= error))
	const upload = new Upload({
		client,
		// ContentLength (the size just stat'd) sets the part count lib-storage checks before completing.
		params: { ...target, Body: body },
		partSize: MULTIPART_PART_SIZE,
		queueSize: 2,
	})
	try {
		await upload.done()
	} catch (error) {
		throw sourceError ?? toStorageError(error, 'put')
	} finally {
		body.destroy()
	}
}

type S3ErrorShape = { name?: string; $metadata?: { httpStatusCode?: number } }

function isMissingObject(error: unknown): boolean {
	const { name, $metadata } = (error ?? {}) as S3ErrorShape
	if (name === 'NoSuchKey' || name === 'NotFound') return true
	return $metadata?.httpStatusCode === 404 && name !== 'NoSuchBucket'
}

const rethrowAs =
	(action: string) =>
	(error: unknown): never => {
		throw toStorageError(error, action)
	}

/**
 * Outages, throttling, bad credentials and a missing bucket become
 * StorageUnavailableError (the cause keeps the details for the log); any other
 * 4xx is a bug in the request and passes through.
 */
function toStorageError(error: unknown, action: string): unknown {
	if (error instanceof AppError) return error
	const { name, $metadata } = (error ?? {}) as S3ErrorShape
	const status = $metadata?.httpStatusCode
	const unavailable =
		status === undefined ||
		status >= 500 ||
		[401, 403, 408, 429].includes(status) ||
		name === 'NoSuchBucket'
	if (!unavailable) return error
	// The message reaches clients: no endpoint, bucket or key in it.
	return new StorageUnavailableError(`Object storage is unavailable (${action} failed).`, {
		cause: error,
	})
}
