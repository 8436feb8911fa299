import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, type Dir } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ObjectNotFoundError, StorageUnavailableError } from '#app/errors'
import { assertValidKey, assertValidPrefix, isValidKey } from './common'
import type { ObjectInfo, PutBody, SignedUrlOptions, Storage } from './types'

// Objects are plain files under `root` at their key's path. Signed URLs point
// at the /files/* route (app/routes/files.$.ts), which verifies them.

export type LocalStorageOptions = { root: string; secretKey: string }

export function createLocalStorage({ root, secretKey }: LocalStorageOptions): Storage {
	const resolvedRoot = path.resolve(root)
	const fileFor = (key: string) => objectPath(resolvedRoot, key)
	return {
		driver: 'local',
		// The content type is not kept: signed URLs carry the one to serve.
		async put(key, body, _contentType) {
			await writeAtomically(fileFor(key), body)
		},
		async putFile(key, filePath, _contentType) {
			try {
				await moveIntoPlace(filePath, fileFor(key))
			} catch (error) {
				// Taken over either way: a failed put leaves no spooled file behind.
				await fs.rm(filePath, { force: true }).catch(() => {})
				throw error
			}
		},
		async get(key) {
			try {
				return await fs.readFile(fileFor(key))
			} catch (error) {
				// EISDIR: the key names a directory of other objects, not an object.
				if (isMissing(error) || errorCode(error) === 'EISDIR') throw new ObjectNotFoundError(key)
				throw diskError(error)
			}
		},
		async getStream(key) {
			const opened = await openLocalObject(resolvedRoot, key)
			if (!opened) throw new ObjectNotFoundError(key)
			return { stream: opened.stream(), size: opened.size }
		},
		async delete(keys) {
			const files = keys.map(fileFor)
			for (const file of files) await removeFile(resolvedRoot, file)
		},
		async move(from, to) {
			const source = fileFor(from)
			const target = fileFor(to)
			try {
				await fs.mkdir(path.dirname(target), { recursive: true })
				// One rename on one disk: the object is at one key or the other, never both or neither.
				await fs.rename(source, target)
			} catch (error) {
				if (isMissing(error) || errorCode(error) === 'EISDIR') return
				throw diskError(error)
			}
			await pruneEmptyDirectories(resolvedRoot, path.dirname(source))
		},
		async exists(key) {
			try {
				return (await fs.stat(fileFor(key))).isFile()
			} catch (error) {
				if (isMissing(error)) return false
				throw diskError(error)
			}
		},
		list(prefix) {
			assertValidPrefix(prefix)
			// Start at the deepest directory the prefix names whole; the rest filters names.
			return walk(resolvedRoot, prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix)
		},
		async signedUrl(key, options) {
			assertValidKey(key)
			return signFileUrl(key, options, secretKey)
		},
		async check() {
			// Write a real file: permission bits alone say nothing to root, a full disk or a read-only mount.
			const probe = path.join(resolvedRoot, `.check-${randomBytes(6).toString('hex')}`)
			try {
				await fs.mkdir(resolvedRoot, { recursive: true })
				await fs.writeFile(probe, 'ok', { flag: 'wx' })
				await fs.rm(probe, { force: true })
			} catch (error) {
				throw diskError(error, 'Local storage is not writable.')
			}
		},
	}
}

export type LocalObject = {
	size: number
	/** Changes whenever the object is replaced; suitable for an ETag. */
	version: string
	/** Reads the bytes as opened, even if the key is replaced or deleted meanwhile. */
	stream: () => Readable
	/** Releases the file when `stream` will not be called. */
	close: () => Promise<void>
}

/** Opens a stored object for the /files route; null when it does not exist. */
export async function openLocalObject(root: string, key: string): Promise<LocalObject | null> {
	const file = objectPath(path.resolve(root), key)
	let handle: fs.FileHandle
	try {
		handle = await fs.open(file, 'r')
	} catch (error) {
		if (isMissing(error)) return null
		throw diskError(error)
	}
	try {
		const stats = await handle.stat()
		if (!stats.isFile()) {
			await handle.close()
			return null
		}
		const version = createHash('sha256')
			.update(`${stats.ino}:${stats.size}:${stats.mtimeMs}`)
			.digest('base64url')
			.slice(0, 22)
		return {
			size: stats.size,
			version,
			stream: () => handle.createReadStream({ autoClose: true }),
			close: () => handle.close(),
		}
	} catch (error) {
		await handle.close().catch(() => {})
		throw diskError(error)
	}
}

function objectPath(root: string, key: string): string {
	assertValidKey(key)
	return path.join(root, ...key.split('/'))
}

// --- writing ---------------------------------------------------------------

/** Writes to a temp file beside the target, then renames: readers see the old object or the whole new one. */
async function writeAtomically(file: string, body: PutBody): Promise<void> {
	const temp = tempPathFor(file)
	const handle = await openTemp(temp)
	try {
		if (Buffer.isBuffer(body)) await writeBuffer(handle, body)
		else await pipeStream(handle, body)
		await fs.rename(temp, file).catch((error) => Promise.reject(diskError(error)))
	} catch (error) {
		await fs.rm(temp, { force: true }).catch(() => {})
		throw error
	}
}

/** Dot-named, so listings skip it and no key can collide with it. */
function tempPathFor(file: string): string {
	return path.join(
		path.dirname(file),
		`.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
	)
}

/**
 * Moves `source` to `file` with one rename, so readers see the old object or
 * the whole new one and the bytes are not copied; from another filesystem
 * (EXDEV) it is copied beside the target first, then renamed.
 */
async function moveIntoPlace(source: string, file: string): Promise<void> {
	try {
		await renameCreatingDirectory(source, file)
	} catch (error) {
		if (errorCode(error) !== 'EXDEV') throw error
		await copyIntoPlace(source, file)
	}
}

async function renameCreatingDirectory(source: string, file: string): Promise<void> {
	try {
		await inItsDirectory(file, () => fs.rename(source, file))
	} catch (error) {
		if (errorCode(error) === 'EXDEV') throw error
		// A missing source is the caller's bug: passed on as is, not as an outage.
		if (isMissing(error) && !(await fileExists(source))) throw error
		throw diskError(error)
	}
}

/** The EXDEV fallback: a streamed copy to a temp file, then the source goes, then the rename. */
async function copyIntoPlace(source: string, file: string): Promise<void> {
	const { size } = await fs.stat(source)
	const temp = tempPathFor(file)
	const handle = await openTemp(temp)
	try {
		await pipeStream(handle, { stream: () => createReadStream(source), byteSize: size })
		// Before the rename, so a put that reports success never leaves the source behind.
		await fs.rm(source)
		await fs.rename(temp, file)
	} catch (error) {
		await fs.rm(temp, { force: true }).catch(() => {})
		throw diskError(error)
	}
}

async function fileExists(file: string): Promise<boolean> {
	return fs.access(file).then(
		() => true,
		() => false,
	)
}

async function writeBuffer(handle: fs.FileHandle, body: Buffer): Promise<void> {
	try {
		await handle.writeFile(body)
	} catch (error) {
		throw diskError(error)
	} finally {
		await handle.close()
	}
}

async function openTemp(temp: string): Promise<fs.FileHandle> {
	return inItsDirectory(temp, () => fs.open(temp, 'wx')).catch((error) =>
		Promise.reject(diskError(error)),
	)
}

/**
 * Creates the directory of `file`, then runs `operation` on it. A concurrent
 * delete may prune the fresh directory before the operation; creating it
 * again is enough.
 */
async function inItsDirectory<T>(file: string, operation: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			await fs.mkdir(path.dirname(file), { recursive: true })
			return await operation()
		} catch (error) {
			if (attempt < 3 && isMissing(error)) continue
			throw error
		}
	}
}

async function pipeStream(
	handle: fs.FileHandle,
	body: { stream: () => Readable; byteSize: number },
): Promise<void> {
	let source: Readable
	try {
		source = body.stream()
	} catch (error) {
		await handle.close()
		throw error
	}
	const sink = handle.createWriteStream({ autoClose: true })
	// Tell a failing upload (its error is passed on untouched) from a failing
	// disk; pipeline then destroys the other stream with the same error.
	let failedFirst: 'source' | 'disk' | undefined
	source.once('error', () => (failedFirst ??= 'source'))
	sink.once('error', () => (failedFirst ??= 'disk'))
	try {
		await pipeline(source, sink)
	} catch (error) {
		throw failedFirst === 'disk' ? diskError(error) : error
	}
	// Same rule as S3's Content-Length: a wrong byteSize is a bug upstream.
	if (sink.bytesWritten !== body.byteSize) {
		throw new Error(`Stream produced ${sink.bytesWritten} bytes, expected ${body.byteSize}`)
	}
}

// --- deleting --------------------------------------------------------------

async function removeFile(root: string, file: string): Promise<void> {
	try {
		await fs.unlink(file)
	} catch (error) {
		if (isMissing(error) || errorCode(error) === 'EISDIR') return
		throw diskError(error)
	}
	await pruneEmptyDirectories(root, path.dirname(file))
}

/** Removes `from` and its parents up to `root` while they are empty, so deleted images leave no trace. */
async function pruneEmptyDirectories(root: string, from: string): Promise<void> {
	for (let dir = from; dir !== root && dir.startsWith(root); dir = path.dirname(dir)) {
		try {
			await fs.rmdir(dir)
		} catch (error) {
			const code = errorCode(error)
			if (code === 'ENOTEMPTY' || code === 'EEXIST' || isMissing(error)) return
			throw diskError(error)
		}
	}
}

// --- listing ---------------------------------------------------------------

/** Objects under the directory of `dirKey` (`''` or ending in `/`) whose keys start with `prefix`. */
async function* walk(root: string, dirKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
	let dir: Dir
	try {
		dir = await fs.opendir(path.join(root, ...dirKey.split('/').filter(Boolean)))
	} catch (error) {
		// A directory pruned by a delete meanwhile simply holds nothing.
		if (isMissing(error)) return
		throw diskError(error)
	}
	try {
		// The iterator closes the directory when the loop ends, also early.
		for await (const entry of dir) {
			// Dot files are temp files and health probes, never objects.
			if (entry.name.startsWith('.')) continue
			const key = dirKey + entry.name
			if (entry.isDirectory()) {
				if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
					yield* walk(root, `${key}/`, prefix)
				}
			} else if (entry.isFile() && key.startsWith(prefix) && isValidKey(key)) {
				const info = await statObject(root, key)
				if (info) yield info
			}
		}
	} catch (error) {
		throw diskError(error)
	}
}

/** Null when the file went away since the directory was read. */
async function statObject(root: string, key: string): Promise<ObjectInfo | null> {
	try {
		const stats = await fs.stat(path.join(root, ...key.split('/')))
		return { key, size: stats.size, lastModified: stats.mtime }
	} catch (error) {
		if (isMissing(error)) return null
		throw error
	}
}

// --- signed URLs -----------------------------------------------------------

export type SignedFileRequest = {
	key: string
	contentType: string
	disposition: 'inline' | 'attachment'
	filename: string
	expiresAt: Date
}

export type SignedFileFailure = 'malformed' | 'bad-signature' | 'expired'

export type SignedFileVerification =
	({ ok: true } & SignedFileRequest) | { ok: false; reason: SignedFileFailure }

const FILES_PREFIX = '/files/'
const SIGNED_PARAMS = ['exp', 'ct', 'disp', 'name', 'sig'] as const

function signFileUrl(key: string, options: SignedUrlOptions, secretKey: string): string {
	// Absolute and whole seconds: the same expiry always gives the same URL.
	const exp = String(Math.floor(options.expiresAt.getTime() / 1000))
	const fields = { exp, ct: options.contentType, disp: options.disposition, name: options.filename }
	const params = new URLSearchParams({ ...fields, sig: signature(secretKey, key, fields) })
	return `${options.baseUrl.replace(/\/+$/, '')}${FILES_PREFIX}${key}?${params}`
}

/**
 * Checks a /files/* URL made by the local driver with any of `secretKeys`
 * (the current one and, while rotating, the previous); the signature is
 * checked before expiry.
 */
export function verifySignedFileRequest(
	url: URL,
	secretKeys: string[],
	now = Date.now(),
): SignedFileVerification {
	const fail = (reason: SignedFileFailure) => ({ ok: false as const, reason })
	if (!url.pathname.startsWith(FILES_PREFIX)) return fail('malformed')
	const key = url.pathname.slice(FILES_PREFIX.length)
	// Repeated parameters could make the signed and the served value differ.
	if (SIGNED_PARAMS.some((name) => url.searchParams.getAll(name).length !== 1)) {
		return fail('malformed')
	}
	const get = (name: (typeof SIGNED_PARAMS)[number]) => url.searchParams.get(name) ?? ''
	const fields = { exp: get('exp'), ct: get('ct'), disp: get('disp'), name: get('name') }
	const sig = get('sig')
	if (
		!isValidKey(key) ||
		!/^\d{1,12}$/.test(fields.exp) ||
		!fields.ct ||
		(fields.disp !== 'inline' && fields.disp !== 'attachment') ||
		!/^[0-9a-f]{64}$/.test(sig)
	) {
		return fail('malformed')
	}
	const given = Buffer.from(sig, 'hex')
	const signedWithOneOfOurs = secretKeys.some((secretKey) =>
		timingSafeEqual(Buffer.from(signature(secretKey, key, fields), 'hex'), given),
	)
	if (!signedWithOneOfOurs) return fail('bad-signature')
	const expiresAt = new Date(Number(fields.exp) * 1000)
	if (expiresAt.getTime() <= now) return fail('expired')
	return {
		ok: true,
		key,
		contentType: fields.ct,
		disposition: fields.disp,
		filename: fields.name,
		expiresAt,
	}
}

type SignedFields = { exp: string; ct: string; disp: string; name: string }

function signature(secretKey: string, key: string, fields: SignedFields): string {
	// A key of its own, so a file signature can never be replayed as a cookie signature.
	const fileKey = createHmac('sha256', secretKey).update('darkroom:file-url:v1').digest()
	// JSON keeps the fields unambiguous whatever characters they contain.
	const payload = JSON.stringify([key, fields.exp, fields.ct, fields.disp, fields.name])
	return createHmac('sha256', fileKey).update(payload).digest('hex')
}

// --- errors ----------------------------------------------------------------

function errorCode(error: unknown): string | undefined {
	const code = (error as { code?: unknown } | null)?.code
	return typeof code === 'string' ? code : undefined
}

/** ENOTDIR: part of the key's path is a file, so the key cannot exist either. */
function isMissing(error: unknown): boolean {
	const code = errorCode(error)
	return code === 'ENOENT' || code === 'ENOTDIR'
}

/** Disk failures (EACCES, ENOSPC, EIO, EROFS …) become 503s; anything else is passed on. */
function diskError(error: unknown, message = 'Local storage failed.'): unknown {
	if (error instanceof StorageUnavailableError) return error
	const isSystemError =
		error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string'
	if (!isSystemError) return error
	// The message reaches clients; the path stays in the (logged) cause.
	return new StorageUnavailableError(message, { cause: error })
}
