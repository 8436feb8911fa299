import { spawn } from 'node:child_process'
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest'
import {
	type AppProcess,
	api,
	getImage,
	listFiles,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '#tests/support/app'
import { smallJpeg } from '#tests/support/images'
import { startS3, type TestS3 } from '#tests/support/s3'
import {
	hasSystemPostgres,
	startSystemPostgres,
	type SystemPostgres,
} from '#tests/support/system-postgres'

// `npm run backup` and `npm run restore` as an operator runs them, against
// real processes. Instance A: the test PostgreSQL (embedded, 18) and local
// storage. Instance B: Debian's PostgreSQL 15 and s3rver, filled only by a
// restore of A's archive.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const MISSING_ORIGINAL = 'The original file is missing from storage.'
const permissive = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }

type Received = { headers: http.IncomingHttpHeaders; body: string }

let sql: postgres.Sql
let web: WebProcess
let worker: AppProcess | undefined
let receiver: http.Server
let receiverUrl: string
const received: Received[] = []
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-backup-'))
let archive: string

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	receiver = http.createServer((request, response) => {
		const chunks: Buffer[] = []
		request.on('data', (chunk: Buffer) => chunks.push(chunk))
		request.on('end', () => {
			received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
			response.end('thanks')
		})
	})
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
	;[web, worker] = await Promise.all([startWeb(permissive), startWorker(permissive)])
})

afterAll(async () => {
	// The app's own pool, if a test ran app code in-process.
	const { sqlClient } = await import('#app/db.server')
	await sqlClient.end()
	await Promise.all([web?.stop(), worker?.stop()])
	await new Promise((resolve) => receiver?.close(resolve))
	await sql?.end()
	fs.rmSync(scratch, { recursive: true, force: true })
})

type CliResult = { code: number | null; stdout: string; stderr: string; peakRssBytes: number }

/** Runs scripts/<name>.ts as `npm run <name>` would, sampling its peak RSS. */
async function runCli(
	name: 'backup' | 'restore',
	args: string[],
	env: Record<string, string> = {},
): Promise<CliResult> {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')),
	) as NodeJS.ProcessEnv
	const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
		cwd: root,
		env: { ...inherited, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	let stdout = ''
	let stderr = ''
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
	let peakRssBytes = 0
	// VmHWM is the kernel's own high-water mark of the RSS: sampling it late still sees the peak.
	const sampler = setInterval(() => {
		const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
		const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
		peakRssBytes = Math.max(peakRssBytes, kib * 1024)
	}, 20)
	sampler.unref()
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
	clearInterval(sampler)
	return { code, stdout, stderr, peakRssBytes }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** The original's bytes through the download route and the signed URL it redirects to. */
async function downloadOriginal(baseUrl: string, token: string, id: string) {
	const redirect = await api(baseUrl, `/api/images/${id}/download`, { token })
	expect(redirect.status).toBe(302)
	const response = await fetch(new URL(redirect.headers.get('Location')!, baseUrl))
	expect(response.status).toBe(200)
	return Buffer.from(await response.arrayBuffer())
}

/** Verifies a Standard Webhooks signature from the spec alone, not the app's code. */
function hasValidSignature(secret: string, { headers, body }: Received) {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
	const signed = `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`
	const expected = createHmac('sha256', key).update(signed).digest()
	return String(headers['webhook-signature'])
		.split(' ')
		.some((part) => {
			const given = Buffer.from(part.replace(/^v1,/, ''), 'base64')
			return given.length === expected.length && timingSafeEqual(given, expected)
		})
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const value = await probe()
		if (value !== undefined) return value
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

describe('backup and restore', () => {
	let token: string
	let completed: { id: string; bytes: Buffer }
	let failedId: string
	let pendingId: string
	let vanishedId: string
	let webhook: { id: string; secret: string }
	const inFlight: string[] = []

	test('backs up while uploads are in flight', async () => {
		;({ token } = await register(web.baseUrl))
		const created = await api(web.baseUrl, '/api/webhooks', {
			method: 'POST',
			token,
			json: { url: `${receiverUrl}/hook` },
		})
		expect(created.status).toBe(201)
		const body = (await created.json()) as { webhook: { id: string }; secret: string }
		webhook = { id: body.webhook.id, secret: body.secret }

		const upload = async (bytes: Buffer, name: string) => {
			const response = await uploadFile(web.baseUrl, token, bytes, name)
			expect(response.status).toBe(202)
			return ((await response.json()) as { id: string }).id
		}
		const bytes = await smallJpeg(160, 120)
		completed = { id: await upload(bytes, 'kept.jpg'), bytes }
		expect((await waitForTerminal(web.baseUrl, token, completed.id)).overallStatus).toBe(
			'completed',
		)
		// AI results as a provider leaves them (this instance runs none).
		await sql`update images set ai_status = 'completed', ai = ${sql.json({
			summary: 'A test card.',
			tags: ['test'],
			ocrText: null,
			safety: { flagged: false, categories: [], source: 'none' },
			model: 'test',
			inputTokens: 1,
			outputTokens: 1,
			costUsd: 0,
		})} where id = ${completed.id}`
		// A failed image (uploads refuse undecodable files, so its stage fails here by hand).
		failedId = await upload(await smallJpeg(100, 80), 'failed.jpg')
		await waitForTerminal(web.baseUrl, token, failedId)
		await sql`update images set status = 'failed', error = 'Could not decode.' where id = ${failedId}`
		// The completed image's event was delivered: the webhook has a delivery log.
		await until('the first delivery', async () => (received.length > 0 ? true : undefined))

		// With no worker, new uploads stay pending: "still processing" at backup time.
		await worker!.stop()
		worker = undefined
		pendingId = await upload(await smallJpeg(90, 60), 'pending.jpg')
		// A row whose original vanished from storage before the backup.
		vanishedId = await upload(await smallJpeg(80, 60), 'vanished.jpg')
		const [vanished] = await sql`select original_key from images where id = ${vanishedId}`
		fs.rmSync(path.join(process.env.DATA_DIR!, 'storage', vanished!.original_key as string))

		const target = path.join(scratch, 'backups')
		const backup = runCli('backup', [target])
		let done = false
		void backup.then(() => (done = true))
		const small = await smallJpeg(40, 30)
		while (!done) {
			const response = await uploadFile(web.baseUrl, token, small, 'in-flight.jpg')
			if (response.status === 202) inFlight.push(((await response.json()) as { id: string }).id)
			else await response.body?.cancel()
		}
		const result = await backup
		expect(result.code, result.stderr).toBe(0)
		expect(result.stdout).toMatch(/^Backup written: .*darkroom-[0-9T-]+Z\.tar/m)
		expect(inFlight.length).toBeGreaterThan(0)
		const names = fs.readdirSync(target)
		// Only the finished archive: no temporary file left beside it.
		expect(names).toHaveLength(1)
		archive = path.join(target, names[0]!)
	}, 120_000)

	// scripts/ensure-test-deps.mjs installs it for `npm test`.
	test.skipIf(!hasSystemPostgres())(
		'restores into PostgreSQL 15 and S3, and the copy serves the same files, tokens and webhooks',
		async () => {
			let pg15: SystemPostgres | undefined
			let s3: TestS3 | undefined
			const started: AppProcess[] = []
			try {
				;[pg15, s3] = await Promise.all([startSystemPostgres(), startS3('restored')])
				const envB = {
					...permissive,
					DATABASE_URL: pg15.url,
					DATA_DIR: path.join(scratch, 'instance-b'),
					STORAGE_DRIVER: 's3',
					S3_ENDPOINT: s3.endpoint,
					S3_BUCKET: s3.bucket,
					S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
					S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
				}
				const restore = await runCli('restore', [archive], envB)
				expect(restore.code, restore.stderr).toBe(0)
				expect(restore.stdout).toMatch(/Restored \d+ rows in \d+ tables and \d+ objects/)
				expect(restore.stdout).toMatch(/1 image\(s\) marked failed/)

				const webB = await startWeb(envB)
				started.push(webB)
				started.push(await startWorker(envB))

				// The same token, the same bytes, the AI results.
				const image = await getImage(webB.baseUrl, token, completed.id)
				expect(image).toMatchObject({ overallStatus: 'completed', sha256: sha256(completed.bytes) })
				expect(image.ai?.summary).toBe('A test card.')
				expect(sha256(await downloadOriginal(webB.baseUrl, token, completed.id))).toBe(
					sha256(completed.bytes),
				)
				expect((await getImage(webB.baseUrl, token, failedId)).status).toBe('failed')
				// Its file was missing: failed with the reason, never half-present.
				expect(await getImage(webB.baseUrl, token, vanishedId)).toMatchObject({
					status: 'failed',
					error: MISSING_ORIGINAL,
				})
				// Jobs are not in the archive: the restore queued the pending image again.
				expect((await waitForTerminal(webB.baseUrl, token, pendingId)).overallStatus).toBe(
					'completed',
				)
				// Uploads around the snapshot: absent, or whole and processed.
				for (const id of inFlight) {
					const response = await api(webB.baseUrl, `/api/images/${id}`, { token })
					if (response.status === 404) continue
					await response.body?.cancel()
					const finished = await waitForTerminal(webB.baseUrl, token, id)
					expect(finished.overallStatus).toBe('completed')
					expect(sha256(await downloadOriginal(webB.baseUrl, token, id))).toBe(finished.sha256)
				}

				// The webhook still signs with the secret it was given on A.
				const before = received.length
				const test = await api(webB.baseUrl, `/api/webhooks/${webhook.id}/test`, {
					method: 'POST',
					token,
				})
				expect(test.status).toBe(202)
				const delivery = await until('the test delivery', async () =>
					received.slice(before).find((hit) => hit.body.includes('"webhook.test"')),
				)
				expect(hasValidSignature(webhook.secret, delivery)).toBe(true)
			} finally {
				await Promise.all(started.map((process) => process.stop()))
				await s3?.stop()
				await pg15?.stop()
			}
		},
		180_000,
	)

	test('writes to an S3 prefix, lists complete archives newest first, and deletes them', async () => {
		const s3 = await startS3('archives')
		try {
			// S3_* for the target only (storage stays local), read by a fresh import of the configuration.
			Object.assign(process.env, {
				S3_ENDPOINT: s3.endpoint,
				S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
				S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
			})
			vi.resetModules()
			const { createBackup } = await import('#app/backup/backup.server')
			const { deleteBackup, describeTargetProblem, listBackups } =
				await import('#app/backup/targets.server')
			const { verifyArchive } = await import('#app/backup/reader.server')
			const target = 's3://archives/nightly/'
			const first = await createBackup({ target })
			const second = await createBackup({ target, objects: false })
			expect(first).toMatchObject({ tables: 18, objects: expect.any(Number) })
			expect(second.objects).toBe(0)
			const listed = await listBackups(target)
			expect(listed.map((archive) => archive.name)).toEqual([second.name, first.name])
			expect(listed[1]).toMatchObject({ location: first.location, bytes: first.bytes })
			const { trailer } = await verifyArchive(first.location)
			expect(trailer.objects).toBe(first.objects)
			await deleteBackup(target, second.name)
			expect((await listBackups(target)).map((archive) => archive.name)).toEqual([first.name])
			expect(describeTargetProblem('s3://Not_A_Bucket/x')).toMatch(/not an S3 bucket name/)
			expect(describeTargetProblem('ftp://example.test/x')).toMatch(/no other URL schemes/)
			expect(describeTargetProblem(path.join(scratch, 'anywhere'))).toBeUndefined()
		} finally {
			await s3.stop()
		}
	})

	test('a damaged archive, another SECRET_KEY or a non-empty target fail clearly and change nothing', async () => {
		const adminUrl = inject('postgresAdminUrl')
		const name = `restore_${randomBytes(6).toString('hex')}`
		const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
		await admin.unsafe(`create database ${name}`)
		const target = postgres(adminUrl.replace(/\/postgres$/, `/${name}`), {
			max: 1,
			onnotice: () => {},
		})
		const envC = {
			DATABASE_URL: adminUrl.replace(/\/postgres$/, `/${name}`),
			DATA_DIR: path.join(scratch, 'instance-c'),
		}
		const storageC = path.join(envC.DATA_DIR, 'storage')
		const untouched = async () => {
			const [users] = await target`select to_regclass('public.users') is not null as "exists"`
			if (users!.exists) expect((await target`select 1 from users`).length).toBe(0)
			expect(listFiles(storageC)).toEqual([])
		}
		try {
			const whole = fs.readFileSync(archive)
			const truncated = path.join(scratch, 'truncated.tar')
			fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)))
			const cut = await runCli('restore', [truncated], envC)
			expect(cut.code).toBe(1)
			expect(cut.stderr).toMatch(/^Restore failed: The archive is truncated/m)
			await untouched()

			// One byte changed inside the completed image's original.
			const flipped = Buffer.from(whole)
			const at = flipped.indexOf(completed.bytes.subarray(200, 264)) + 10
			expect(at).toBeGreaterThan(10)
			flipped[at] = flipped[at]! ^ 0xff
			const damaged = path.join(scratch, 'damaged.tar')
			fs.writeFileSync(damaged, flipped)
			const bad = await runCli('restore', [damaged], envC)
			expect(bad.code).toBe(1)
			expect(bad.stderr).toMatch(/The archive is damaged: objects\/.+ does not match its checksum/)
			await untouched()

			const wrongKey = await runCli('restore', [archive], {
				...envC,
				SECRET_KEY: randomBytes(32).toString('hex'),
			})
			expect(wrongKey.code).toBe(1)
			expect(wrongKey.stderr).toMatch(/^Restore failed: SECRET_KEY differs from the key/m)
			await untouched()

			// Instance A itself holds accounts.
			const countA = async () => (await sql`select count(*)::int as n from images`)[0]!.n as number
			const imagesBefore = await countA()
			const filesBefore = listFiles(path.join(process.env.DATA_DIR!, 'storage'))
			const occupied = await runCli('restore', [archive])
			expect(occupied.code).toBe(1)
			expect(occupied.stderr).toMatch(/already holds accounts; .* --replace/)
			expect(await countA()).toBe(imagesBefore)
			expect(listFiles(path.join(process.env.DATA_DIR!, 'storage'))).toEqual(filesBefore)
		} finally {
			await target.end()
			await admin.unsafe(`drop database ${name} with (force)`)
			await admin.end()
		}
	}, 120_000)

	test('memory stays flat: a backup of 10,000 rows and 1,000 files needs no more RSS than one of 100 files', async () => {
		const adminUrl = inject('postgresAdminUrl')
		const name = `scale_${randomBytes(6).toString('hex')}`
		const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
		await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`)
		const url = adminUrl.replace(/\/postgres$/, `/${name}`)
		const db = postgres(url, { max: 1, onnotice: () => {} })
		const env = { DATABASE_URL: url, DATA_DIR: path.join(scratch, 'instance-d') }
		const FILE_BYTES = 64 * 1024
		const addImages = async (userId: string, from: number, to: number) => {
			const rows = await db`
				insert into images (user_id, filename, content_type, byte_size, sha256, width, height, format, original_key, status, ai_status)
				select ${userId}, 'p' || n || '.jpg', 'image/jpeg', ${FILE_BYTES}, 'x', 1, 1, 'jpeg',
					'images/' || ${userId} || '/' || n || '/original.jpg', 'completed', 'skipped'
				from generate_series(${from}::int, ${to}::int) n returning original_key`
			for (const row of rows) {
				const file = path.join(env.DATA_DIR, 'storage', row.original_key as string)
				fs.mkdirSync(path.dirname(file), { recursive: true })
				fs.writeFileSync(file, randomBytes(FILE_BYTES))
			}
		}
		const backUp = async () => {
			const result = await runCli('backup', [path.join(scratch, 'scale')], env)
			expect(result.code, result.stderr).toBe(0)
			return result
		}
		try {
			const [user] =
				await db`insert into users (email, password_hash) values ('scale@example.test', 'x') returning id`
			await db`insert into audit_log (action, actor_email) select 'auth.sign_in', 'scale@example.test' from generate_series(1, 9000)`
			await addImages(user!.id as string, 1, 100)
			const small = await backUp()
			await addImages(user!.id as string, 101, 1000)
			const large = await backUp()
			expect(large.stdout).toMatch(/\(6\d\.\d MiB, .*10001 rows, 1000 objects/)
			// 57 MiB more archive. Memory holds one table chunk and stream buffers; V8 frees
			// the read buffers lazily (measured: +24 MiB, the same at 128 MiB of archive).
			expect(large.peakRssBytes - small.peakRssBytes).toBeLessThan(40 * 1024 * 1024)
		} finally {
			await db.end()
			await admin.unsafe(`drop database ${name} with (force)`)
			await admin.end()
		}
	}, 120_000)
})
