import type { Readable } from 'node:stream'

export type PutBody = Buffer | { stream: () => Readable; byteSize: number }

export type SignedUrlOptions = {
	/** Seconds until the URL stops working. */
	expiresIn: number
	/** Served with this Content-Type, whatever the object carries. */
	contentType: string
	/** Served as `Content-Disposition: <disposition>; filename=...`. */
	disposition: 'inline' | 'attachment'
	filename: string
	/** Origin for the local driver's URLs, e.g. https://darkroom.example. */
	baseUrl: string
}

/**
 * The one interface to object storage; keys are derived from ids, never from
 * user input. Drivers throw StorageUnavailableError when the backend cannot be
 * reached and ObjectNotFoundError from `get` for a missing key.
 */
export type Storage = {
	driver: 'local' | 's3'
	put(key: string, body: PutBody, contentType: string): Promise<void>
	get(key: string): Promise<Buffer>
	/** Removes every key; missing keys are not an error. */
	delete(keys: string[]): Promise<void>
	exists(key: string): Promise<boolean>
	signedUrl(key: string, options: SignedUrlOptions): Promise<string>
	/** Throws StorageUnavailableError when storage cannot be reached (health check). */
	check(): Promise<void>
}
