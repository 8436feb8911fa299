import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import { BadRequestError, PayloadTooLargeError } from '#app/errors'
import { nodeBodyOf } from '#app/request-body.server'
import { fileTooLargeMessage } from '#app/format'

export type ReceivedFile = {
	/** Temporary file holding the bytes; the caller removes it. */
	path: string
	byteSize: number
	sha256: string
	/** The first bytes, for type sniffing. */
	head: Buffer
	clientFilename: string
	/** The form's other (text) fields, e.g. `visibility`; the last of a repeated one wins. */
	fields?: Record<string, string>
}

const HEAD_BYTES = 4100
/**
 * Parts arrive in socket-sized chunks (often well under 64 KiB); each write is
 * a trip through libuv's thread pool, so they are gathered into writes of
 * about this size. Memory per upload stays at one batch.
 */
const WRITE_BATCH_BYTES = 256 * 1024
// Room for multipart boundaries and small fields on top of the file itself.
const ENVELOPE_BYTES = 64 * 1024

const tooLarge = (maxBytes: number) => new PayloadTooLargeError(fileTooLargeMessage(maxBytes))

/**
 * Streams the `file` part of a multipart request to a temporary file while
 * hashing it, never holding more than a write batch in memory and stopping as
 * soon as it passes `maxBytes`.
 */
export async function receiveFile(
	request: Request,
	{ maxBytes, tmpDir }: { maxBytes: number; tmpDir: string },
): Promise<ReceivedFile> {
	const contentType = request.headers.get('Content-Type') ?? ''
	if (!contentType.toLowerCase().startsWith('multipart/form-data') || !request.body) {
		throw new BadRequestError(
			'Send the image as multipart/form-data with the file in a field named "file".',
		)
	}
	const declaredLength = Number(request.headers.get('Content-Length'))
	if (declaredLength > maxBytes + ENVELOPE_BYTES) throw tooLarge(maxBytes)

	fs.mkdirSync(tmpDir, { recursive: true })
	const tmpPath = path.join(tmpDir, `upload-${randomUUID()}`)
	let parser: busboy.Busboy
	try {
		parser = busboy({
			headers: { 'content-type': contentType },
			defParamCharset: 'utf8',
			limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 40 },
		})
	} catch {
		throw new BadRequestError('The multipart body is malformed (missing boundary?).')
	}
	const body = nodeBodyOf(request)

	try {
		return await new Promise<ReceivedFile>((resolve, reject) => {
			let written: Promise<ReceivedFile> | undefined
			let failed = false
			const fail = (error: Error) => {
				if (failed) return
				failed = true
				body.unpipe(parser)
				// Discard the rest (never stored) instead of cutting the connection,
				// so the client receives our error response rather than a reset; once
				// the answer is out, server/web.ts bounds what is still discarded.
				body.resume()
				reject(error)
			}

			parser.on('file', (field, stream, info) => {
				if (field !== 'file' || written) {
					stream.resume()
					return
				}
				stream.on('limit', () => {
					fail(tooLarge(maxBytes))
					stream.destroy()
				})
				written = spoolPart(stream, tmpPath, info.filename ?? '')
				written.catch((error: Error) => fail(error))
			})
			const fields: Record<string, string> = {}
			parser.on('field', (name, value) => {
				fields[name] = value
			})
			parser.on('error', (error: Error) =>
				fail(new BadRequestError(`The multipart body could not be read: ${error.message}`)),
			)
			parser.on('close', () => {
				if (failed) return
				if (!written) {
					fail(new BadRequestError('The request has no "file" part.'))
					return
				}
				written.then((file) => resolve({ ...file, fields }), fail)
			})
			body.on('error', (error) => fail(new BadRequestError(`Upload interrupted: ${error.message}`)))
			body.pipe(parser)
		})
	} catch (error) {
		await fs.promises.rm(tmpPath, { force: true })
		throw error
	}
}

/**
 * Writes one multipart file part to `tmpPath`, hashing it and keeping its first
 * bytes on the way, never holding more than a write batch in memory.
 */
export async function spoolPart(
	stream: Readable,
	tmpPath: string,
	clientFilename: string,
): Promise<ReceivedFile> {
	const hash = createHash('sha256')
	const chunks: Buffer[] = []
	let byteSize = 0
	let headSize = 0
	let batch: Buffer[] = []
	let batchSize = 0
	const tap = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			hash.update(chunk)
			byteSize += chunk.length
			if (headSize < HEAD_BYTES) {
				chunks.push(chunk.subarray(0, HEAD_BYTES - headSize))
				headSize += Math.min(chunk.length, HEAD_BYTES - headSize)
			}
			batch.push(chunk)
			batchSize += chunk.length
			if (batchSize < WRITE_BATCH_BYTES) return callback()
			callback(null, takeBatch())
		},
		flush(callback) {
			callback(null, batchSize > 0 ? takeBatch() : undefined)
		},
	})
	const takeBatch = () => {
		const bytes = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchSize)
		batch = []
		batchSize = 0
		return bytes
	}
	await pipeline(stream, tap, fs.createWriteStream(tmpPath))
	return {
		path: tmpPath,
		byteSize,
		sha256: hash.digest('hex'),
		head: Buffer.concat(chunks),
		clientFilename,
	}
}
