import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import busboy from 'busboy'
import { config } from '#app/config.server'
import { AppError, BadRequestError, DuplicateImageError, PayloadTooLargeError } from '#app/errors'
import { nodeBodyOf } from '#app/request-body.server'
import { fileTooLargeMessage, formatBytes } from '#app/format'
import { log } from '#app/log.server'
import { type ReceivedFile, spoolPart } from './multipart.server'
import type { QuotaHolder } from './quota.server'
import { uploadReceivedFile } from './upload.server'

// The page's plain-form upload (no JavaScript): one request with several
// `file` parts. Each part is spooled to its own temporary file, then sent
// through the one-file upload path (uploadImage) as if it had come alone, so
// every rule of a single upload holds per file: a rejected file leaves nothing
// behind and gets its own message, the others are kept. Each file counts
// against the upload rate limit as its part begins, so a file over the limit
// is never written to disk.

/** The most files one plain-form request may carry; a browser with JavaScript queues instead. */
export const MAX_FILES_PER_FORM = 20

export type BatchOutcome =
	| { filename: string; imageId: string }
	| {
			filename: string
			error: string
			status: number
			headers?: Record<string, string>
			/** The image a refused duplicate repeats, for a link to it. */
			duplicateOf?: string
	  }

type Spooled = { filename: string; path?: string; received?: ReceivedFile; error?: AppError }

type BatchArgs = QuotaHolder & {
	request: Request
	requestId?: string
	/**
	 * Counts one more file against the upload rate limit, throwing when over it.
	 * The caller counted the first file before the body was read.
	 */
	countFile: () => Promise<unknown>
}

export async function uploadBatch(args: BatchArgs): Promise<BatchOutcome[]> {
	const tmpDir = path.join(config.dataDir, 'tmp')
	const spooled = await spoolFiles(args.request, tmpDir, args.countFile)
	try {
		if (spooled.length === 0) throw new BadRequestError('Choose at least one image file.')
		const outcomes: BatchOutcome[] = []
		for (const file of spooled) outcomes.push(await uploadOne(args, file))
		return outcomes
	} finally {
		await Promise.all(
			spooled.map((file) => file.path && fs.promises.rm(file.path, { force: true })),
		)
	}
}

async function uploadOne(args: BatchArgs, file: Spooled): Promise<BatchOutcome> {
	try {
		if (file.error) throw file.error
		const { image } = await uploadReceivedFile(file.received!, {
			userId: args.userId,
			quotaBytes: args.quotaBytes,
			requestId: args.requestId,
		})
		return { filename: image.filename, imageId: image.id }
	} catch (error) {
		if (error instanceof AppError) {
			const message = error.status < 500 ? error.message : `${error.message} Please try again.`
			return {
				filename: file.filename,
				error: message,
				status: error.status,
				headers: error.headers,
				...(error instanceof DuplicateImageError ? { duplicateOf: error.duplicateOf } : {}),
			}
		}
		log.error({ err: error, filename: file.filename }, 'A file of a form upload failed')
		return {
			filename: file.filename,
			error: 'Something went wrong while storing this file. Please try again.',
			status: 500,
		}
	}
}

/** Writes every `file` part to a temporary file, each held to MAX_UPLOAD_BYTES. */
async function spoolFiles(
	request: Request,
	tmpDir: string,
	countFile: BatchArgs['countFile'],
): Promise<Spooled[]> {
	const contentType = request.headers.get('Content-Type') ?? ''
	if (!request.body) throw new BadRequestError('The form has no files.')
	const maxBytes = config.maxUploadBytes
	const declared = Number(request.headers.get('Content-Length'))
	if (declared > MAX_FILES_PER_FORM * (maxBytes + 64 * 1024)) {
		throw new PayloadTooLargeError(
			`Send at most ${MAX_FILES_PER_FORM} files of up to ${formatBytes(maxBytes)} each.`,
		)
	}
	fs.mkdirSync(tmpDir, { recursive: true })
	let parser: busboy.Busboy
	try {
		parser = busboy({
			headers: { 'content-type': contentType },
			defParamCharset: 'utf8',
			limits: { fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024 },
		})
	} catch {
		throw new BadRequestError('The multipart body is malformed (missing boundary?).')
	}
	const files: Spooled[] = []
	const writes: Array<Promise<void>> = []
	// Once one file is over the rate limit, so is every later one: refused uncounted.
	let overLimit: AppError | undefined
	const body = nodeBodyOf(request)
	try {
		await new Promise<void>((resolve, reject) => {
			parser.on('file', (field, stream, info) => {
				// An empty file input still sends one nameless, empty part.
				if (field !== 'file' || !info.filename) {
					stream.resume()
					return
				}
				const file: Spooled = { filename: info.filename }
				files.push(file)
				if (files.length > MAX_FILES_PER_FORM) {
					file.error = new BadRequestError(
						`Not uploaded: at most ${MAX_FILES_PER_FORM} files at a time.`,
					)
					stream.resume()
					return
				}
				if (overLimit) {
					file.error = overLimit
					stream.resume()
					return
				}
				// busboy waits for this part to be read before the next one begins,
				// so overLimit is known by then.
				const counted = files.length === 1 ? Promise.resolve() : countFile()
				writes.push(
					counted.then(
						async () => {
							const tmpPath = path.join(tmpDir, `form-upload-${randomUUID()}`)
							file.path = tmpPath
							// Past the limit busboy drops the rest of the part (never stored) and
							// marks it truncated; the partial file is removed with the others.
							file.received = await spoolPart(stream, tmpPath, file.filename)
							if (stream.truncated) {
								file.error = new PayloadTooLargeError(fileTooLargeMessage(maxBytes))
							}
						},
						(error: unknown) => {
							stream.resume()
							if (!(error instanceof AppError)) throw error
							overLimit = file.error = error
						},
					),
				)
			})
			parser.on('error', (error: Error) =>
				reject(new BadRequestError(`The multipart body could not be read: ${error.message}`)),
			)
			parser.on('close', () => resolve())
			body.on('error', (error) => {
				// pipe() leaves the parser open: end it, so the part being written ends too
				// (its spool fails and is removed) instead of waiting forever.
				parser.destroy()
				reject(new BadRequestError(`Upload interrupted: ${error.message}`))
			})
			body.pipe(parser)
		})
		await Promise.all(writes)
	} catch (error) {
		await Promise.allSettled(writes)
		await Promise.all(files.map((file) => file.path && fs.promises.rm(file.path, { force: true })))
		throw error
	}
	return files
}
