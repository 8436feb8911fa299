import {
	AbortMultipartUploadCommand,
	CompleteMultipartUploadCommand,
	CreateMultipartUploadCommand,
	DeleteObjectCommand,
	GetObjectCommand,
	ListObjectsV2Command,
	S3Client,
	UploadPartCommand,
} from '@aws-sdk/client-s3'
import { createReadStream, createWriteStream } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { type Readable, Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { config } from '#app/config.server'
import { s3ClientConfig } from '#app/storage/s3.server'
import { archiveCreatedAt } from './archive'

// Where archives go: a local directory or an S3 prefix (`s3://bucket/prefix`,
// reached with the S3_* endpoint and credentials). An archive is written
// under a name nobody lists (a dot file, an unfinished multipart upload) and
// appears under its own name only once complete.

export type Target = { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; prefix: string }

export type BackupListing = { name: string; location: string; bytes: number; createdAt: Date }

export class BackupTargetError extends Error {}

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** Why `target` cannot be used (for config validation and the commands); undefined when it can. */
export function describeTargetProblem(target: string): string | undefined {
	if (!target.trim()) return 'must be a directory or s3://bucket/prefix'
	const s3 = S3_URL.exec(target)
	if (s3) {
		if (!BUCKET_NAME.test(s3[1]!)) return `"${s3[1]}" is not an S3 bucket name`
		if (s3[2]!.split('/').some((part, index, all) => part === '' && index < all.length - 1)) {
			return 'the S3 prefix must not contain empty path segments (//)'
		}
		if (!config.s3Access) {
			return 'an s3:// target needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT outside AWS)'
		}
		return undefined
	}
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
		return 'must be a directory or s3://bucket/prefix (no other URL schemes)'
	}
	return undefined
}

export function parseTarget(target: string): Target {
	const problem = describeTargetProblem(target)
	if (problem) throw new BackupTargetError(`Backup target ${target}: ${problem}`)
	const s3 = S3_URL.exec(target)
	if (!s3) return { kind: 'local', dir: path.resolve(target) }
	const prefix = s3[2]!.replace(/\/+$/, '')
	return { kind: 's3', bucket: s3[1]!, prefix: prefix ? `${prefix}/` : '' }
}

let s3Client: S3Client | undefined
const client = () => (s3Client ??= new S3Client(s3ClientConfig(config.s3Access!)))

const locationOf = (target: Target, name: string) =>
	target.kind === 'local'
		? path.join(target.dir, name)
		: `s3://${target.bucket}/${target.prefix}${name}`

/** Complete archives at `target`, newest first. */
export async function listBackups(target: string): Promise<BackupListing[]> {
	const parsed = parseTarget(target)
	const found: BackupListing[] = []
	if (parsed.kind === 'local') {
		let names: string[]
		try {
			names = await fs.readdir(parsed.dir)
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
			throw error
		}
		for (const name of names) {
			const createdAt = archiveCreatedAt(name)
			if (!createdAt) continue
			const stats = await fs.stat(path.join(parsed.dir, name)).catch(() => undefined)
			if (stats?.isFile()) {
				found.push({ name, location: locationOf(parsed, name), bytes: stats.size, createdAt })
			}
		}
	} else {
		let token: string | undefined
		do {
			const page = await client().send(
				new ListObjectsV2Command({
					Bucket: parsed.bucket,
					Prefix: parsed.prefix,
					Delimiter: '/',
					ContinuationToken: token,
				}),
			)
			for (const object of page.Contents ?? []) {
				const name = object.Key!.slice(parsed.prefix.length)
				const createdAt = archiveCreatedAt(name)
				if (createdAt) {
					found.push({
						name,
						location: locationOf(parsed, name),
						bytes: object.Size ?? 0,
						createdAt,
					})
				}
			}
			token = page.IsTruncated ? page.NextContinuationToken : undefined
		} while (token)
	}
	return found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
}

/** Removes one archive; a missing one is not an error. */
export async function deleteBackup(target: string, name: string): Promise<void> {
	if (!archiveCreatedAt(name)) throw new BackupTargetError(`Not a backup archive name: ${name}`)
	const parsed = parseTarget(target)
	if (parsed.kind === 'local') {
		await fs.rm(path.join(parsed.dir, name), { force: true })
		return
	}
	await client().send(
		new DeleteObjectCommand({ Bucket: parsed.bucket, Key: `${parsed.prefix}${name}` }),
	)
}

export type ArchiveWriter = {
	location: string
	stream: Writable
	/** Makes the archive appear under its name, once `stream` has finished. */
	complete(): Promise<void>
	/** Removes whatever was written. */
	abort(): Promise<void>
}

export async function openArchiveWriter(target: string, name: string): Promise<ArchiveWriter> {
	const parsed = parseTarget(target)
	const location = locationOf(parsed, name)
	if (parsed.kind === 'local') return localWriter(parsed.dir, name, location)
	return s3Writer(parsed.bucket, `${parsed.prefix}${name}`, location)
}

async function localWriter(dir: string, name: string, location: string): Promise<ArchiveWriter> {
	await fs.mkdir(dir, { recursive: true })
	const partial = path.join(dir, `.${name}.partial`)
	const stream = createWriteStream(partial, { flags: 'wx' })
	return {
		location,
		stream,
		async complete() {
			await finished(stream)
			await fs.rename(partial, location)
		},
		async abort() {
			stream.destroy()
			await fs.rm(partial, { force: true })
		},
	}
}

/** S3 accepts parts of 5 MiB and more (the last one may be smaller); one part is buffered at a time. */
const PART_BYTES = 8 * 1024 * 1024

async function s3Writer(bucket: string, key: string, location: string): Promise<ArchiveWriter> {
	const created = await client().send(
		new CreateMultipartUploadCommand({
			Bucket: bucket,
			Key: key,
			ContentType: 'application/x-tar',
		}),
	)
	const uploadId = created.UploadId!
	const parts: Array<{ ETag: string; PartNumber: number }> = []
	let buffered: Buffer[] = []
	let bufferedBytes = 0
	const uploadPart = async () => {
		const PartNumber = parts.length + 1
		const Body = Buffer.concat(buffered)
		buffered = []
		bufferedBytes = 0
		const result = await client().send(
			new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body }),
		)
		parts.push({ ETag: result.ETag!, PartNumber })
	}
	// The write callback waits for a full part's upload: backpressure keeps memory at one part.
	const stream = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			buffered.push(chunk)
			bufferedBytes += chunk.length
			if (bufferedBytes < PART_BYTES) return callback()
			uploadPart().then(() => callback(), callback)
		},
		final(callback) {
			if (bufferedBytes === 0 && parts.length > 0) return callback()
			uploadPart().then(() => callback(), callback)
		},
	})
	return {
		location,
		stream,
		async complete() {
			await finished(stream)
			await client().send(
				new CompleteMultipartUploadCommand({
					Bucket: bucket,
					Key: key,
					UploadId: uploadId,
					MultipartUpload: { Parts: parts },
				}),
			)
		},
		async abort() {
			stream.destroy()
			await client()
				.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
				.catch(() => {})
		},
	}
}

/** Opens an archive by location: a file path or s3://bucket/key. */
export async function openArchiveReader(location: string): Promise<Readable> {
	const s3 = S3_URL.exec(location)
	if (!s3) {
		const file = path.resolve(location)
		await fs.access(file).catch(() => {
			throw new BackupTargetError(`No archive at ${file}`)
		})
		return createReadStream(file)
	}
	if (!config.s3Access) {
		throw new BackupTargetError(
			'Reading an s3:// archive needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
		)
	}
	try {
		const result = await client().send(new GetObjectCommand({ Bucket: s3[1], Key: s3[2] }))
		return result.Body as Readable
	} catch (error) {
		const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
		if (status === 404) throw new BackupTargetError(`No archive at ${location}`)
		throw error
	}
}
