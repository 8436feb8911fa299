import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { IncomingMessage } from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ObjectNotFoundError, StorageUnavailableError } from '#app/errors'
import { signingWindow } from '#app/storage/common'
import { MULTIPART_PART_SIZE, createS3Storage, s3ClientConfig } from '#app/storage/s3.server'
import type { Storage } from '#app/storage/types'
import { startS3, type TestS3 } from '#tests/support/s3'

let s3: TestS3
let storage: Storage

const storageFor = (server: TestS3) =>
	createS3Storage({
		endpoint: server.endpoint,
		region: 'us-east-1',
		bucket: server.bucket,
		...server.credentials,
		forcePathStyle: true,
	})

let spoolDir: string

beforeAll(async () => {
	s3 = await startS3()
	storage = storageFor(s3)
	spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-spool-'))
})

afterAll(async () => {
	await s3?.stop()
	fs.rmSync(spoolDir, { recursive: true, force: true })
})

/** A spooled upload holding `bytes`. */
function spool(bytes: Buffer): string {
	const file = path.join(spoolDir, randomBytes(6).toString('hex'))
	fs.writeFileSync(file, bytes)
	return file
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** The S3 operation a request reaching s3rver asks for, told by its method and query. */
function operation({ method, url }: IncomingMessage): string {
	const query = new URL(url ?? '/', 'http://s3rver').searchParams
	if (query.has('uploads')) return 'CreateMultipartUpload'
	if (query.has('uploadId')) {
		if (method === 'PUT') return `UploadPart ${query.get('partNumber')}`
		return method === 'POST' ? 'CompleteMultipartUpload' : 'AbortMultipartUpload'
	}
	return method === 'PUT' ? 'PutObject' : `${method}`
}

/** The operations s3rver received while `run` ran, in arrival order. */
async function operationsDuring(run: () => Promise<unknown>): Promise<string[]> {
	const seen: string[] = []
	const stop = s3.onRequest((request) => seen.push(operation(request)))
	try {
		await run()
	} finally {
		stop()
	}
	return seen
}

async function storedContentType(key: string): Promise<string | undefined> {
	const client = new S3Client(
		s3ClientConfig({
			endpoint: s3.endpoint,
			region: 'us-east-1',
			...s3.credentials,
			forcePathStyle: true,
		}),
	)
	const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))
	client.destroy()
	return head.ContentType
}

/** An endpoint nothing listens on: connections are refused at once. */
async function unreachableEndpoint(): Promise<string> {
	const server = net.createServer()
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const { port } = server.address() as AddressInfo
	await new Promise((resolve) => server.close(resolve))
	return `http://127.0.0.1:${port}`
}

/** A URL signed now that lives `seconds`. */
function expiringIn(seconds: number) {
	const now = Date.now()
	return { signedAt: new Date(now), expiresAt: new Date(now + seconds * 1000) }
}

const signOptions = {
	contentType: 'image/webp',
	disposition: 'attachment' as const,
	filename: 'Café "menu".webp',
	baseUrl: 'http://unused.example',
}

describe('s3 storage', () => {
	test('move copies then deletes, keeps the content type, and treats a missing source as done', async () => {
		const bytes = Buffer.from('to the trash')
		await storage.put('images/mv/i1/original.png', bytes, 'image/png')
		await storage.move('images/mv/i1/original.png', 'trash/images/mv/i1/original.png')
		expect(await storage.exists('images/mv/i1/original.png')).toBe(false)
		expect(await storage.get('trash/images/mv/i1/original.png')).toEqual(bytes)
		await storage.move('images/mv/i1/original.png', 'trash/images/mv/i1/original.png')
		expect(await storage.get('trash/images/mv/i1/original.png')).toEqual(bytes)
		await storage.move('trash/images/mv/i1/original.png', 'images/mv/i1/original.png')
		expect(await storage.exists('trash/images/mv/i1/original.png')).toBe(false)
		const url = await storage.signedUrl('images/mv/i1/original.png', {
			...expiringIn(60),
			...signOptions,
		})
		const response = await fetch(url)
		expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes)
		await storage.delete(['images/mv/i1/original.png'])
	})

	test('put a Buffer, get it back, exists', async () => {
		const bytes = Buffer.from('hello s3')
		await storage.put('images/u1/i1/original.jpg', bytes, 'image/jpeg')
		expect(await storage.get('images/u1/i1/original.jpg')).toEqual(bytes)
		expect(await storage.exists('images/u1/i1/original.jpg')).toBe(true)
		expect(await storage.exists('images/u1/i1/nothing.jpg')).toBe(false)
	})

	test('put a stream with its byte size', async () => {
		const bytes = Buffer.alloc(300_000, 7)
		const chunks = [bytes.subarray(0, 100_000), bytes.subarray(100_000)]
		await storage.put(
			'images/u1/i1/stream.bin',
			{ stream: () => Readable.from(chunks), byteSize: bytes.length },
			'application/octet-stream',
		)
		// .equals: deep equality is slow on large buffers.
		expect((await storage.get('images/u1/i1/stream.bin')).equals(bytes)).toBe(true)
	})

	test('a failing source stream rejects the put with its own error', async () => {
		const failure = new Error('client went away')
		const source = new Readable({ read() {} })
		source.push(Buffer.alloc(1000))
		setTimeout(() => source.destroy(failure), 20)
		const put = storage.put(
			'images/u1/i1/broken.bin',
			{ stream: () => source, byteSize: 5000 },
			'application/octet-stream',
		)
		await expect(put).rejects.toBe(failure)
		// Real S3 refuses a body shorter than its Content-Length; s3rver keeps
		// what arrived, so the object's absence is not checked here.
	})

	test('putFile below the part size is one PutObject, read back byte-identical; the source is removed', async () => {
		const bytes = randomBytes(300_000)
		const spooled = spool(bytes)
		const key = 'images/pf/small/original.png'
		const operations = await operationsDuring(() => storage.putFile(key, spooled, 'image/png'))
		expect(operations).toEqual(['PutObject'])
		expect(fs.existsSync(spooled)).toBe(false)
		expect((await storage.get(key)).equals(bytes)).toBe(true)
		expect(await storedContentType(key)).toBe('image/png')
	})

	test('putFile from MULTIPART_PART_SIZE on is a multipart upload, read back identical', async () => {
		const bytes = randomBytes(MULTIPART_PART_SIZE + 1024 * 1024)
		const spooled = spool(bytes)
		const key = 'images/pf/large/original.tiff'
		const operations = await operationsDuring(() => storage.putFile(key, spooled, 'image/tiff'))
		// Parts 1 and 2 may arrive in either order (two in flight).
		expect(operations[0]).toBe('CreateMultipartUpload')
		expect(operations.slice(1, -1).sort()).toEqual(['UploadPart 1', 'UploadPart 2'])
		expect(operations.at(-1)).toBe('CompleteMultipartUpload')
		expect(fs.existsSync(spooled)).toBe(false)
		expect(sha256(await storage.get(key))).toBe(sha256(bytes))
		expect(await storedContentType(key)).toBe('image/tiff')
	})

	test('a failing part aborts the multipart upload and removes the source', async () => {
		const spooled = spool(randomBytes(MULTIPART_PART_SIZE + 1024 * 1024))
		const key = 'images/pf/cut/original.tiff'
		// Every attempt at part 2 loses its connection.
		const stopCutting = s3.onRequest((request) => {
			if (operation(request) === 'UploadPart 2') request.socket.destroy()
		})
		let error: unknown
		const operations = await operationsDuring(async () => {
			error = await storage.putFile(key, spooled, 'image/tiff').catch((e: unknown) => e)
		}).finally(stopCutting)
		// s3rver does not implement AbortMultipartUpload (405), and lib-storage
		// then throws the abort's error; real S3 gives the part's (an outage).
		expect(error).toBeInstanceOf(Error)
		expect(operations).toContain('AbortMultipartUpload')
		expect(operations).not.toContain('CompleteMultipartUpload')
		expect(fs.existsSync(spooled)).toBe(false)
		expect(await storage.exists(key)).toBe(false)
	})

	test('putFile to an unreachable endpoint is StorageUnavailableError and removes the source', async () => {
		const unreachable = createS3Storage({
			endpoint: await unreachableEndpoint(),
			region: 'us-east-1',
			bucket: s3.bucket,
			...s3.credentials,
			forcePathStyle: true,
		})
		for (const size of [1000, MULTIPART_PART_SIZE + 1024 * 1024]) {
			const spooled = spool(randomBytes(size))
			const started = Date.now()
			await expect(
				unreachable.putFile('images/pf/down/original.png', spooled, 'image/png'),
			).rejects.toBeInstanceOf(StorageUnavailableError)
			expect(Date.now() - started).toBeLessThan(5000)
			expect(fs.existsSync(spooled), String(size)).toBe(false)
		}
	})

	test('putFile with a bad key or a missing source throws without an upload', async () => {
		const spooled = spool(Buffer.from('x'))
		const operations = await operationsDuring(async () => {
			await expect(storage.putFile('../x', spooled, 'image/png')).rejects.toThrow(
				/Invalid storage key/,
			)
			// A vanished source is the caller's bug, not a storage outage.
			const missing = storage.putFile('images/pf/none/original.png', spooled, 'image/png')
			await expect(missing).rejects.toMatchObject({ code: 'ENOENT' })
		})
		expect(operations).toEqual([])
		expect(fs.existsSync(spooled)).toBe(false)
	})

	test('overwriting a key replaces the object', async () => {
		await storage.put('images/u1/i2/a.txt', Buffer.from('one'), 'text/plain')
		await storage.put('images/u1/i2/a.txt', Buffer.from('two'), 'text/plain')
		expect((await storage.get('images/u1/i2/a.txt')).toString()).toBe('two')
	})

	test('get of a missing key throws ObjectNotFoundError', async () => {
		await expect(storage.get('images/nope/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError)
	})

	test('getStream gives the bytes and their size; a missing key throws ObjectNotFoundError', async () => {
		const bytes = Buffer.from('streamed bytes')
		await storage.put('images/u1/stream/original.jpg', bytes, 'image/jpeg')
		const opened = await storage.getStream('images/u1/stream/original.jpg')
		const chunks: Buffer[] = []
		for await (const chunk of opened.stream) chunks.push(chunk as Buffer)
		expect(opened.size).toBe(bytes.length)
		expect(Buffer.concat(chunks)).toEqual(bytes)
		await expect(storage.getStream('images/nope/missing.jpg')).rejects.toBeInstanceOf(
			ObjectNotFoundError,
		)
	})

	test('delete removes several keys and ignores missing ones', async () => {
		const keys = ['images/u2/a/1.jpg', 'images/u2/a/2.jpg', 'images/u2/b/3.jpg']
		for (const key of keys) await storage.put(key, Buffer.from(key), 'image/jpeg')
		await storage.delete([...keys, 'images/u2/never/there.jpg', keys[0]!])
		for (const key of keys) expect(await storage.exists(key)).toBe(false)
		await storage.delete(['images/u2/never/there.jpg'])
		await storage.delete([])
	})

	test('delete in batches of more than 1000 keys', async () => {
		const keys = Array.from({ length: 1005 }, (_, i) => `images/u3/bulk/${i}.txt`)
		await storage.put(keys[0]!, Buffer.from('first'), 'text/plain')
		await storage.put(keys[1004]!, Buffer.from('last'), 'text/plain')
		await storage.delete(keys)
		expect(await storage.exists(keys[0]!)).toBe(false)
		expect(await storage.exists(keys[1004]!)).toBe(false)
	})

	test('rejects keys that do not come from ids', async () => {
		await expect(storage.put('../x', Buffer.from('x'), 'text/plain')).rejects.toThrow(
			/Invalid storage key/,
		)
		await expect(storage.get('Images/X')).rejects.toThrow(/Invalid storage key/)
	})

	test('check() passes against a running server', async () => {
		await expect(storage.check()).resolves.toBeUndefined()
	})

	test('check() against a missing bucket is StorageUnavailableError', async () => {
		const other = createS3Storage({
			endpoint: s3.endpoint,
			region: 'us-east-1',
			bucket: 'no-such-bucket',
			...s3.credentials,
			forcePathStyle: true,
		})
		await expect(other.check()).rejects.toBeInstanceOf(StorageUnavailableError)
	})

	test('a stopped server gives StorageUnavailableError within a few seconds', async () => {
		const doomed = await startS3('doomed')
		const doomedStorage = storageFor(doomed)
		await doomedStorage.check()
		await doomedStorage.put('images/x/y.txt', Buffer.from('x'), 'text/plain')
		await doomed.stop()

		const started = Date.now()
		const error = await doomedStorage.check().catch((e: unknown) => e)
		expect(error).toBeInstanceOf(StorageUnavailableError)
		expect((error as Error).cause).toBeDefined()
		await expect(doomedStorage.get('images/x/y.txt')).rejects.toBeInstanceOf(
			StorageUnavailableError,
		)
		await expect(doomedStorage.exists('images/x/y.txt')).rejects.toBeInstanceOf(
			StorageUnavailableError,
		)
		await expect(
			doomedStorage.put('images/x/z.txt', Buffer.from('x'), 'text/plain'),
		).rejects.toBeInstanceOf(StorageUnavailableError)
		expect(Date.now() - started).toBeLessThan(5000)
	})

	test('check() against an endpoint that never answers gives up within a few seconds', async () => {
		// Accepts connections and stays silent: the case a connection timeout alone does not catch.
		const sockets = new Set<Socket>()
		const silent = net.createServer((socket) => sockets.add(socket))
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
		const { port } = silent.address() as AddressInfo
		try {
			const hung = createS3Storage({
				endpoint: `http://127.0.0.1:${port}`,
				region: 'us-east-1',
				bucket: 'any',
				...s3.credentials,
				forcePathStyle: true,
			})
			const started = Date.now()
			await expect(hung.check()).rejects.toBeInstanceOf(StorageUnavailableError)
			expect(Date.now() - started).toBeLessThan(5000)
		} finally {
			for (const socket of sockets) socket.destroy()
			await new Promise((resolve) => silent.close(resolve))
		}
	})

	test('a presigned URL serves the bytes with the requested headers', async () => {
		const bytes = Buffer.from('RIFF....WEBPVP8 fake')
		await storage.put('images/u4/i/optimized.webp', bytes, 'application/octet-stream')
		const url = await storage.signedUrl('images/u4/i/optimized.webp', {
			...signOptions,
			...expiringIn(60),
		})
		expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/images/u4/i/optimized.webp?`)).toBe(true)

		const response = await fetch(url)
		expect(response.status).toBe(200)
		expect(response.headers.get('content-type')).toBe('image/webp')
		expect(response.headers.get('content-disposition')).toBe(
			`attachment; filename="Cafe menu.webp"; filename*=UTF-8''Caf%C3%A9%20%22menu%22.webp`,
		)
		expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes)
	})

	test('a presigned URL stops working once it expires', async () => {
		await storage.put('images/u4/i/thumb.webp', Buffer.from('thumb'), 'image/webp')
		const url = await storage.signedUrl('images/u4/i/thumb.webp', {
			...signOptions,
			...expiringIn(1),
		})
		expect((await fetch(url)).status).toBe(200)
		await new Promise((resolve) => setTimeout(resolve, 2100))
		const response = await fetch(url)
		expect(response.status).toBe(403)
		await response.arrayBuffer()
	})

	test('two signings in the same window give the identical URL, and it downloads', async () => {
		const key = 'images/u4/i/window.webp'
		const bytes = Buffer.from('same url, same file')
		await storage.put(key, bytes, 'image/webp')
		// Two moments in one 300 s window: its first and its last millisecond.
		const now = Date.now()
		const window = signingWindow(now, 900, 300)
		const first = signingWindow(window.signedAt.getTime() + 1, 900, 300)
		const last = signingWindow(window.signedAt.getTime() + 300_000, 900, 300)
		expect(first).toEqual(window)
		expect(last).toEqual(window)
		expect(window.expiresAt.getTime() - now).toBeGreaterThanOrEqual(900_000)
		expect(window.expiresAt.getTime() - now).toBeLessThan(1_200_000)

		const url = await storage.signedUrl(key, { ...signOptions, ...first })
		// The clock moves on; the signature date comes from the window, not from it.
		await new Promise((resolve) => setTimeout(resolve, 1100))
		expect(await storage.signedUrl(key, { ...signOptions, ...last })).toBe(url)
		const params = new URL(url).searchParams
		expect(params.get('X-Amz-Expires')).toBe('1200')
		const signedAt = window.signedAt.toISOString().replace(/[-:]|\.\d{3}/g, '')
		expect(params.get('X-Amz-Date')).toBe(signedAt)

		const response = await fetch(url)
		expect(response.status).toBe(200)
		expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes)
	})

	test('a URL signed for a past window is refused', async () => {
		const key = 'images/u4/i/past.webp'
		await storage.put(key, Buffer.from('old'), 'image/webp')
		const past = signingWindow(Date.now() - 2 * 3600_000, 900, 300)
		const url = await storage.signedUrl(key, { ...signOptions, ...past })
		const response = await fetch(url)
		expect(response.status).toBe(403)
		await response.arrayBuffer()
	})
})
