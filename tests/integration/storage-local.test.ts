import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { config, getSecretKey } from '#app/config.server'
import { ObjectNotFoundError, StorageUnavailableError } from '#app/errors'
import { loader } from '#app/routes/files.$'
import { createLocalStorage, verifySignedFileRequest } from '#app/storage/local.server'
import { contentDisposition, storage as appStorage } from '#app/storage/storage.server'
import type { SignedUrlOptions, Storage } from '#app/storage/types'

let root: string
/** Where uploads are spooled: beside root, on the same filesystem, as in production. */
let spoolDir: string
let storage: Storage
const secretKey = randomBytes(32).toString('hex')

// tmpfs at /dev/shm, when it is another filesystem than the temp dir, gives a real EXDEV.
const otherDevice = '/dev/shm'
const crossDevice =
	fs.existsSync(otherDevice) && fs.statSync(otherDevice).dev !== fs.statSync(os.tmpdir()).dev

beforeAll(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-local-'))
	spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-spool-'))
	storage = createLocalStorage({ root, secretKey })
})

afterAll(() => {
	fs.rmSync(root, { recursive: true, force: true })
	fs.rmSync(spoolDir, { recursive: true, force: true })
})

/** A spooled upload holding `bytes`. */
function spool(bytes: Buffer): string {
	const file = path.join(spoolDir, randomBytes(6).toString('hex'))
	fs.writeFileSync(file, bytes)
	return file
}

/** Every file under root, relative, so leftovers (temp files, empty dirs) show up. */
function listTree(dir = root): string[] {
	return fs
		.readdirSync(dir, { recursive: true, encoding: 'utf8' })
		.map((entry) => entry.split(path.sep).join('/'))
		.sort()
}

/** A URL signed now that lives `seconds`. */
function expiringIn(seconds: number) {
	const now = Date.now()
	return { signedAt: new Date(now), expiresAt: new Date(now + seconds * 1000) }
}

const signOptions = (): SignedUrlOptions => ({
	...expiringIn(60),
	contentType: 'image/webp',
	disposition: 'inline',
	filename: 'Café "menu".webp',
	baseUrl: 'https://darkroom.example/',
})

describe('local storage', () => {
	test('put a Buffer, get it back, exists', async () => {
		const bytes = Buffer.from('hello disk')
		await storage.put('images/u1/i1/original.jpg', bytes, 'image/jpeg')
		expect(await storage.get('images/u1/i1/original.jpg')).toEqual(bytes)
		expect(await storage.exists('images/u1/i1/original.jpg')).toBe(true)
		expect(await storage.exists('images/u1/i1/nothing.jpg')).toBe(false)
		// A directory is not an object, nor is a path through a file.
		expect(await storage.exists('images/u1/i1')).toBe(false)
		expect(await storage.exists('images/u1/i1/original.jpg/x')).toBe(false)
		expect(fs.readFileSync(path.join(root, 'images/u1/i1/original.jpg'))).toEqual(bytes)
	})

	test('move renames the file, prunes the emptied directories, and treats a missing source as done', async () => {
		const bytes = Buffer.from('to the trash')
		await storage.put('images/mv/i1/original.jpg', bytes, 'image/jpeg')
		await storage.move('images/mv/i1/original.jpg', 'trash/images/mv/i1/original.jpg')
		expect(await storage.exists('images/mv/i1/original.jpg')).toBe(false)
		expect(await storage.get('trash/images/mv/i1/original.jpg')).toEqual(bytes)
		expect(fs.existsSync(path.join(root, 'images/mv'))).toBe(false)
		// Retried after it already happened: nothing to do, nothing lost.
		await storage.move('images/mv/i1/original.jpg', 'trash/images/mv/i1/original.jpg')
		expect(await storage.get('trash/images/mv/i1/original.jpg')).toEqual(bytes)
		await storage.move('trash/images/mv/i1/original.jpg', 'images/mv/i1/original.jpg')
		expect(await storage.get('images/mv/i1/original.jpg')).toEqual(bytes)
		expect(fs.existsSync(path.join(root, 'trash'))).toBe(false)
		await storage.delete(['images/mv/i1/original.jpg'])
	})

	test('put a stream with its byte size', async () => {
		const bytes = randomBytes(300_000)
		await storage.put(
			'images/u1/i1/stream.bin',
			{
				stream: () => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
				byteSize: bytes.length,
			},
			'application/octet-stream',
		)
		// .equals: deep equality is slow on large buffers.
		expect((await storage.get('images/u1/i1/stream.bin')).equals(bytes)).toBe(true)
	})

	test('overwriting a key replaces the object', async () => {
		await storage.put('images/u1/i2/a.txt', Buffer.from('one'), 'text/plain')
		await storage.put('images/u1/i2/a.txt', Buffer.from('two'), 'text/plain')
		expect((await storage.get('images/u1/i2/a.txt')).toString()).toBe('two')
	})

	test('get of a missing key throws ObjectNotFoundError', async () => {
		await expect(storage.get('images/nope/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError)
		await expect(storage.get('images/u1/i1')).rejects.toBeInstanceOf(ObjectNotFoundError)
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

	test('delete removes several keys, ignores missing ones and prunes empty directories', async () => {
		const keys = ['images/u2/a/1.jpg', 'images/u2/a/2.jpg', 'images/u2/b/3.jpg']
		for (const key of keys) await storage.put(key, Buffer.from(key), 'image/jpeg')
		await storage.put('images/u2/keep.jpg', Buffer.from('keep'), 'image/jpeg')

		await storage.delete([...keys, 'images/u2/never/there.jpg', keys[0]!, 'images/u2'])
		for (const key of keys) expect(await storage.exists(key)).toBe(false)
		expect(listTree(path.join(root, 'images/u2'))).toEqual(['keep.jpg'])

		await storage.delete(['images/u2/keep.jpg'])
		expect(fs.existsSync(path.join(root, 'images/u2'))).toBe(false)
		expect(fs.existsSync(path.join(root, 'images/u1'))).toBe(true)
		await storage.delete([])
	})

	test('delete of the last object keeps the root itself', async () => {
		const ownRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-local-'))
		const own = createLocalStorage({ root: ownRoot, secretKey })
		await own.put('a/b/c.txt', Buffer.from('x'), 'text/plain')
		await own.delete(['a/b/c.txt'])
		expect(fs.readdirSync(ownRoot)).toEqual([])
		fs.rmSync(ownRoot, { recursive: true })
	})

	test('a bad key throws', async () => {
		const bad = [
			'../x',
			'a/../../x',
			'/etc/passwd',
			'a//b',
			'a/',
			'A/b',
			'.hidden',
			'a/.b',
			'a\\b',
			'a b',
			'',
		]
		for (const key of bad) {
			await expect(storage.put(key, Buffer.from('x'), 'text/plain'), key).rejects.toThrow(
				/Invalid storage key/,
			)
			await expect(storage.get(key), key).rejects.toThrow(/Invalid storage key/)
			await expect(storage.exists(key), key).rejects.toThrow(/Invalid storage key/)
			await expect(storage.delete(['images/ok.jpg', key]), key).rejects.toThrow(
				/Invalid storage key/,
			)
			await expect(storage.signedUrl(key, signOptions()), key).rejects.toThrow(
				/Invalid storage key/,
			)
		}
		expect(fs.existsSync(path.join(root, '..', 'x'))).toBe(false)
	})

	test('a put is atomic: a stream failing midway leaves nothing under the key', async () => {
		const key = 'images/u3/i/original.png'
		await storage.put(key, Buffer.from('old version'), 'image/png')

		const failure = new Error('client went away')
		const source = new Readable({ read() {} })
		const put = storage.put(key, { stream: () => source, byteSize: 200_000 }, 'image/png')
		source.push(Buffer.alloc(100_000, 1))
		// Half the bytes are on disk by now, but not under the key.
		await new Promise((resolve) => setTimeout(resolve, 50))
		expect((await storage.get(key)).toString()).toBe('old version')
		expect(listTree(path.join(root, 'images/u3/i')).some((f) => f.endsWith('.tmp'))).toBe(true)

		source.destroy(failure)
		await expect(put).rejects.toBe(failure)
		expect((await storage.get(key)).toString()).toBe('old version')
		expect(listTree(path.join(root, 'images/u3/i'))).toEqual(['original.png'])

		// A new key is not created at all.
		const fresh = new Readable({ read() {} })
		const freshPut = storage.put(
			'images/u3/j/new.png',
			{ stream: () => fresh, byteSize: 10 },
			'image/png',
		)
		fresh.push(Buffer.from('12345'))
		setTimeout(() => fresh.destroy(failure), 20)
		await expect(freshPut).rejects.toBe(failure)
		expect(await storage.exists('images/u3/j/new.png')).toBe(false)
		expect(listTree(path.join(root, 'images/u3/j'))).toEqual([])
	})

	test('a stream shorter or longer than byteSize is refused', async () => {
		for (const byteSize of [4, 6]) {
			const put = storage.put(
				'images/u3/k/size.bin',
				{ stream: () => Readable.from([Buffer.from('12345')]), byteSize },
				'application/octet-stream',
			)
			await expect(put).rejects.toThrow(/expected/)
			expect(await storage.exists('images/u3/k/size.bin')).toBe(false)
		}
	})

	test('putFile renames the spooled file into place: same inode, source gone', async () => {
		const bytes = randomBytes(200_000)
		const spooled = spool(bytes)
		const inode = fs.statSync(spooled).ino
		await storage.putFile('images/pf/i1/original.jpg', spooled, 'image/jpeg')
		expect(fs.existsSync(spooled)).toBe(false)
		expect(fs.statSync(path.join(root, 'images/pf/i1/original.jpg')).ino).toBe(inode)
		expect((await storage.get('images/pf/i1/original.jpg')).equals(bytes)).toBe(true)
		expect(listTree(path.join(root, 'images/pf/i1'))).toEqual(['original.jpg'])

		// Over an existing object: replaced whole.
		await storage.putFile('images/pf/i1/original.jpg', spool(Buffer.from('v2')), 'image/jpeg')
		expect((await storage.get('images/pf/i1/original.jpg')).toString()).toBe('v2')
	})

	test('a failing putFile removes the source and leaves nothing at the key', async () => {
		const badKey = spool(Buffer.from('x'))
		await expect(storage.putFile('../x', badKey, 'image/jpeg')).rejects.toThrow(
			/Invalid storage key/,
		)
		expect(fs.existsSync(badKey)).toBe(false)
		expect(fs.existsSync(path.join(root, '..', 'x'))).toBe(false)

		// A vanished source is the caller's bug, not a storage outage.
		const missing = path.join(spoolDir, 'never-written')
		const error = await storage
			.putFile('images/pf/i2/original.jpg', missing, 'image/jpeg')
			.catch((e: unknown) => e)
		expect(error).not.toBeInstanceOf(StorageUnavailableError)
		expect((error as NodeJS.ErrnoException).code).toBe('ENOENT')
		expect(await storage.exists('images/pf/i2/original.jpg')).toBe(false)

		// The key names a directory of other objects: the rename fails, the old objects stay.
		await storage.put('images/pf/i3/a/b.jpg', Buffer.from('kept'), 'image/jpeg')
		const onDirectory = spool(Buffer.from('y'))
		await expect(
			storage.putFile('images/pf/i3/a', onDirectory, 'image/jpeg'),
		).rejects.toBeInstanceOf(StorageUnavailableError)
		expect(fs.existsSync(onDirectory)).toBe(false)
		expect(listTree(path.join(root, 'images/pf/i3'))).toEqual(['a', 'a/b.jpg'])
		expect(listTree(spoolDir)).toEqual([])
	})

	test.skipIf(!crossDevice)(
		'putFile from another filesystem (EXDEV) copies via a temp file and removes the source',
		async () => {
			const bytes = randomBytes(300_000)
			const spooled = path.join(otherDevice, `darkroom-spool-${randomBytes(6).toString('hex')}`)
			fs.writeFileSync(spooled, bytes)
			const inode = fs.statSync(spooled).ino
			await storage.putFile('images/pf/x1/original.jpg', spooled, 'image/jpeg')
			expect(fs.existsSync(spooled)).toBe(false)
			expect((await storage.get('images/pf/x1/original.jpg')).equals(bytes)).toBe(true)
			expect(fs.statSync(path.join(root, 'images/pf/x1/original.jpg')).ino).not.toBe(inode)
			expect(listTree(path.join(root, 'images/pf/x1'))).toEqual(['original.jpg'])
		},
	)

	test('check() passes on a writable root and leaves nothing behind', async () => {
		const before = listTree()
		await expect(storage.check()).resolves.toBeUndefined()
		expect(listTree()).toEqual(before)
	})

	test('an unusable root gives StorageUnavailableError without revealing the path', async () => {
		// A root below a regular file: every disk operation fails, even as root.
		const file = path.join(root, 'not-a-dir')
		fs.writeFileSync(file, 'x')
		const broken = createLocalStorage({ root: path.join(file, 'storage'), secretKey })
		const error = await broken.check().catch((e: unknown) => e)
		expect(error).toBeInstanceOf(StorageUnavailableError)
		expect((error as Error).message).not.toContain(root)
		expect((error as Error).cause).toBeDefined()
		await expect(broken.put('a/b.txt', Buffer.from('x'), 'text/plain')).rejects.toBeInstanceOf(
			StorageUnavailableError,
		)
		await expect(
			broken.put(
				'a/b.txt',
				{ stream: () => Readable.from([Buffer.from('x')]), byteSize: 1 },
				'text/plain',
			),
		).rejects.toBeInstanceOf(StorageUnavailableError)
		const spooled = spool(Buffer.from('x'))
		await expect(broken.putFile('a/b.txt', spooled, 'text/plain')).rejects.toBeInstanceOf(
			StorageUnavailableError,
		)
		expect(fs.existsSync(spooled)).toBe(false)
		fs.rmSync(file)
	})
})

describe('local signed URLs', () => {
	const key = 'images/u4/i/thumbnail.webp'

	async function signed(options: Partial<SignedUrlOptions> = {}) {
		return new URL(await storage.signedUrl(key, { ...signOptions(), ...options }))
	}

	function tamper(url: URL, name: string, value: string) {
		const copy = new URL(url)
		copy.searchParams.set(name, value)
		return copy
	}

	test('a good URL verifies and carries what was signed', async () => {
		const url = await signed()
		expect(url.origin + url.pathname).toBe(`https://darkroom.example/files/${key}`)
		const result = verifySignedFileRequest(url, [secretKey])
		expect(result).toEqual({
			ok: true,
			key,
			contentType: 'image/webp',
			disposition: 'inline',
			filename: 'Café "menu".webp',
			expiresAt: expect.any(Date),
		})
		const expiresAt = result.ok ? result.expiresAt.getTime() : 0
		expect(Math.abs(expiresAt - (Date.now() + 60_000))).toBeLessThan(2000)
	})

	test('a tampered key, ct, exp, disp, name or sig is refused', async () => {
		const url = await signed()
		const otherKey = new URL(url)
		otherKey.pathname = '/files/images/u4/i/original.jpg'
		const cases = [
			otherKey,
			tamper(url, 'ct', 'text/html'),
			tamper(url, 'exp', String(Number(url.searchParams.get('exp')) + 3600)),
			tamper(url, 'disp', 'attachment'),
			tamper(url, 'name', 'other.webp'),
			tamper(url, 'sig', 'a'.repeat(64)),
		]
		for (const tampered of cases) {
			expect(verifySignedFileRequest(tampered, [secretKey]), tampered.href).toEqual({
				ok: false,
				reason: 'bad-signature',
			})
		}
		expect(verifySignedFileRequest(url, [randomBytes(32).toString('hex')])).toEqual({
			ok: false,
			reason: 'bad-signature',
		})
	})

	test('while rotating, a URL signed with the previous key verifies; one signed with neither does not', async () => {
		const url = await signed()
		const current = randomBytes(32).toString('hex')
		expect(verifySignedFileRequest(url, [current, secretKey]).ok).toBe(true)
		expect(verifySignedFileRequest(url, [current])).toEqual({ ok: false, reason: 'bad-signature' })
	})

	test('an expired URL is refused', async () => {
		const url = await signed(expiringIn(1))
		expect(verifySignedFileRequest(url, [secretKey]).ok).toBe(true)
		expect(verifySignedFileRequest(url, [secretKey], Date.now() + 2000)).toEqual({
			ok: false,
			reason: 'expired',
		})
		expect(verifySignedFileRequest(await signed(expiringIn(0)), [secretKey])).toEqual({
			ok: false,
			reason: 'expired',
		})
	})

	test('malformed URLs are refused', async () => {
		const url = await signed()
		const duplicated = new URL(url)
		duplicated.searchParams.append('ct', 'text/html')
		const missing = new URL(url)
		missing.searchParams.delete('sig')
		const wrongPrefix = new URL(url)
		wrongPrefix.pathname = `/other/${key}`
		const badKey = new URL(url)
		badKey.pathname = '/files/images/Upper%20case.jpg'
		const cases = [
			duplicated,
			missing,
			wrongPrefix,
			badKey,
			tamper(url, 'exp', 'soon'),
			tamper(url, 'disp', 'download'),
			tamper(url, 'sig', 'zz'),
		]
		for (const malformed of cases) {
			expect(verifySignedFileRequest(malformed, [secretKey]), malformed.href).toEqual({
				ok: false,
				reason: 'malformed',
			})
		}
	})
})

describe('contentDisposition', () => {
	test('ASCII fallback plus the exact UTF-8 name', () => {
		expect(contentDisposition('attachment', 'photo.jpg')).toBe(
			`attachment; filename="photo.jpg"; filename*=UTF-8''photo.jpg`,
		)
		expect(contentDisposition('inline', 'Café "menu".webp')).toBe(
			`inline; filename="Cafe menu.webp"; filename*=UTF-8''Caf%C3%A9%20%22menu%22.webp`,
		)
		expect(contentDisposition('attachment', 'a\\b\r\n"c%d\'(e)*.png')).toBe(
			`attachment; filename="abcd'(e)*.png"; filename*=UTF-8''a%5Cb%22c%25d%27%28e%29%2A.png`,
		)
		expect(contentDisposition('inline', '東京.jpg')).toBe(
			`inline; filename="__.jpg"; filename*=UTF-8''%E6%9D%B1%E4%BA%AC.jpg`,
		)
		expect(contentDisposition('inline', '')).toBe('inline')
	})
})

describe('GET /files/* (local driver)', () => {
	const key = 'images/u5/i/optimized.webp'
	const bytes = randomBytes(5000)

	beforeAll(async () => {
		expect(appStorage.driver).toBe('local')
		expect(config.storage.driver).toBe('local')
		await appStorage.put(key, bytes, 'image/webp')
	})

	const get = (url: string, init?: RequestInit) =>
		loader({ request: new Request(url, init), params: {}, context: { requestId: 'test' } })

	const sign = (options: Partial<SignedUrlOptions> = {}) =>
		appStorage.signedUrl(key, { ...signOptions(), baseUrl: 'http://localhost:3000', ...options })

	test('serves the bytes with the signed headers', async () => {
		const response = await get(await sign({ disposition: 'attachment' }))
		expect(response.status).toBe(200)
		expect(response.headers.get('content-type')).toBe('image/webp')
		expect(response.headers.get('content-length')).toBe('5000')
		expect(response.headers.get('content-disposition')).toBe(
			contentDisposition('attachment', 'Café "menu".webp'),
		)
		expect(response.headers.get('x-content-type-options')).toBe('nosniff')
		expect(response.headers.get('cache-control')).toMatch(/^private, max-age=(59|60), immutable$/)
		expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/)
		expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes)
	})

	test('answers 304 to a matching If-None-Match and changes the ETag on overwrite', async () => {
		const url = await sign()
		const etag = (await get(url)).headers.get('etag')!
		const notModified = await get(url, { headers: { 'If-None-Match': `"other", W/${etag}` } })
		expect(notModified.status).toBe(304)
		expect(notModified.headers.get('etag')).toBe(etag)
		expect(await notModified.text()).toBe('')

		await appStorage.put(key, Buffer.from('replaced'), 'image/webp')
		const changed = await get(url, { headers: { 'If-None-Match': etag } })
		expect(changed.status).toBe(200)
		expect(changed.headers.get('etag')).not.toBe(etag)
		expect(await changed.text()).toBe('replaced')
		await appStorage.put(key, bytes, 'image/webp')
	})

	test('HEAD answers the headers without a body', async () => {
		const response = await get(await sign(), { method: 'HEAD' })
		expect(response.status).toBe(200)
		expect(response.headers.get('content-length')).toBe('5000')
		expect(response.body).toBeNull()
	})

	test('tampered, expired and malformed URLs are 403 problems that do not reveal existence', async () => {
		const url = new URL(await sign())
		const tamperedExisting = new URL(url)
		tamperedExisting.searchParams.set('ct', 'text/html')
		const tamperedMissing = new URL(url)
		tamperedMissing.pathname = '/files/images/u5/i/missing.webp'
		const malformed = new URL(url)
		malformed.searchParams.delete('sig')

		const bodies = new Set<string>()
		for (const request of [tamperedExisting, tamperedMissing, malformed]) {
			const response = await get(request.href)
			expect(response.status).toBe(403)
			expect(response.headers.get('content-type')).toBe('application/problem+json')
			bodies.add(await response.text())
		}
		expect(bodies.size).toBe(1)
		expect(JSON.parse([...bodies][0]!)).toEqual({
			type: expect.any(String),
			title: 'Forbidden',
			status: 403,
			detail: expect.any(String),
		})

		const expired = await get(await sign(expiringIn(0)))
		expect(expired.status).toBe(403)
		expect((await expired.json()).detail).toMatch(/expired/)
	})

	test('a validly signed URL for a deleted object is 404', async () => {
		const otherKey = 'images/u5/j/gone.webp'
		await appStorage.put(otherKey, Buffer.from('soon gone'), 'image/webp')
		const url = await appStorage.signedUrl(otherKey, {
			...signOptions(),
			baseUrl: 'http://localhost',
		})
		await appStorage.delete([otherKey])
		const response = await get(url)
		expect(response.status).toBe(404)
		expect(response.headers.get('content-type')).toBe('application/problem+json')
		expect(verifySignedFileRequest(new URL(url), [getSecretKey()]).ok).toBe(true)
	})
})
