import type { Readable } from 'node:stream'

export type PutBody = Buffer | { stream: () => Readable; byteSize: number }

export type SignedUrlOptions = {
	/** When the URL stops working (whole seconds; see signingWindow). */
	expiresAt: Date
	/**
	 * Start of the signing window, at or before now. S3 signs with this date
	 * rather than the clock, so every URL signed in one window is identical
	 * and browsers and CDNs can cache the file under it.
	 */
	signedAt: Date
	/** Served with this Content-Type, whatever the object carries. */
	contentType: string
	/** Served as `Content-Disposition: <disposition>; filename=...`. */
	disposition: 'inline' | 'attachment'
	filename: string
	/** Origin for the local driver's URLs, e.g. https://darkroom.example. */
	baseUrl: string
}

/** An object opened for reading: `stream` must be consumed or destroyed. */
export type ObjectStream = { stream: Readable; size: number }

/** One stored object as `list` reports it. */
export type ObjectInfo = { key: string; size: number; lastModified: Date }

/**
 * The one interface to object storage; keys are derived from ids, never from
 * user input. Drivers throw StorageUnavailableError when the backend cannot be
 * reached and ObjectNotFoundError from `get` for a missing key.
 */
export type Storage = {
	driver: 'local' | 's3'
	put(key: string, body: PutBody, contentType: string): Promise<void>
	/**
	 * Stores the file at `filePath` (a spooled upload) under `key` and takes it
	 * over: once the promise settles, resolved or rejected, the file is gone.
	 * The local driver renames it into place (copies when storage is on another
	 * filesystem), S3 uploads it, in parts from MULTIPART_PART_SIZE on. Like
	 * `put`, a failure leaves the key as it was, never a partial object; a
	 * missing `filePath` rejects with its own ENOENT error, not an outage.
	 */
	putFile(key: string, filePath: string, contentType: string): Promise<void>
	get(key: string): Promise<Buffer>
	/**
	 * The object's bytes as a stream, with its size, for copies that must not
	 * hold a whole object in memory (backups). ObjectNotFoundError when missing.
	 */
	getStream(key: string): Promise<ObjectStream>
	/** Removes every key; missing keys are not an error. */
	delete(keys: string[]): Promise<void>
	exists(key: string): Promise<boolean>
	/**
	 * Moves the object at `from` to `to`, replacing what is there. A missing
	 * `from` is not an error (a retried move finds it already done); the
	 * trash moves objects aside this way so their signed URLs stop working.
	 */
	move(from: string, to: string): Promise<void>
	/**
	 * Every object whose key starts with `prefix`, fetched page by page as it
	 * is consumed (no order promised). Keys this interface could not address
	 * (see isValidKey) are skipped, so whatever it yields can be deleted.
	 */
	list(prefix: string): AsyncIterable<ObjectInfo>
	signedUrl(key: string, options: SignedUrlOptions): Promise<string>
	/** Throws StorageUnavailableError when storage cannot be reached (health check). */
	check(): Promise<void>
}
