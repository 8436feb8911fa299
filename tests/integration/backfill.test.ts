import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
	type AppProcess,
	api,
	type ImageList,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type WebProcess,
} from '#tests/support/app'
import { chatCompletion, startFakeOpenAi, type FakeOpenAi } from '#tests/support/fake-openai'
import { smallJpeg } from '#tests/support/images'

// `npm run backfill` on real processes: images made before hashes and
// embeddings existed (their hashes and embeddings removed here by SQL) get
// them from the worker, with progress and the embeddings' cost; a cancelled
// run does nothing more; without an embeddings provider, it says what to set.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

let fake: FakeOpenAi
let web: WebProcess
let worker: AppProcess | undefined
let sql: postgres.Sql
let token: string
const ids: string[] = []
const aiEnv = {
	AI_PROVIDER: 'openai',
	OPENAI_MODERATION_MODEL: 'none',
	OPENAI_API_KEY: 'sk-test-not-real',
}

beforeAll(async () => {
	sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} })
	fake = await startFakeOpenAi()
	const env = { ...aiEnv, OPENAI_BASE_URL: fake.baseUrl }
	;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	;({ token } = await register(web.baseUrl))
	const summaries = [
		'An invoice from the hardware store listing nails and paint.',
		'A red bicycle leaning against a brick wall.',
		'Snow on a mountain peak above a hiking trail.',
	]
	for (const [i, summary] of summaries.entries()) {
		fake.enqueue('chat', {
			body: chatCompletion({
				summary,
				tags: ['photo'],
				ocrText: null,
				safety: { flagged: false, categories: [] },
			}),
		})
		const response = await uploadFile(web.baseUrl, token, await smallJpeg(), `old-${i}.jpg`)
		expect(response.status).toBe(202)
		const { id } = (await response.json()) as { id: string }
		expect((await waitForTerminal(web.baseUrl, token, id)).overallStatus).toBe('completed')
		ids.push(id)
	}
	await waitFor(
		async () =>
			(await sql`select count(*)::int as n from image_embeddings where image_id in ${sql(ids)}`)[0]!
				.n === ids.length,
	)
})

afterAll(async () => {
	await Promise.all([web?.stop(), worker?.stop()])
	await fake?.stop()
	await sql?.end()
})

/** These images as they were before hashes and embeddings: none of either. */
async function makeOld() {
	await sql`update images set phash = null where id in ${sql(ids)}`
	await sql`delete from image_embeddings where image_id in ${sql(ids)}`
	await sql`delete from embedding_usage`
}

async function backfill(args: string[], env: Record<string, string> = {}) {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')),
	) as NodeJS.ProcessEnv
	const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/backfill.ts', ...args], {
		cwd: root,
		env: { ...inherited, ...aiEnv, OPENAI_BASE_URL: fake.baseUrl, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	})
	let stdout = ''
	let stderr = ''
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
	return { code, stdout, stderr, lastLine: stdout.trim().split('\n').at(-1) ?? '' }
}

async function waitFor(check: () => Promise<boolean>, ms = 30_000) {
	const deadline = Date.now() + ms
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('Timed out')
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

const searchIds = async (q: string) => {
	const response = await api(web.baseUrl, `/api/images?q=${encodeURIComponent(q)}&mode=semantic`, {
		token,
	})
	expect(response.status).toBe(200)
	return ((await response.json()) as ImageList).items.map((item) => item.id)
}

describe('npm run backfill', () => {
	it('embeds and hashes older images, showing progress and the cost of the embeddings', async () => {
		await makeOld()
		const embedded = await backfill(['embeddings', '--wait'])
		expect(embedded.code, embedded.stderr).toBe(0)
		expect(embedded.stdout).toContain('embeddings: 3 images queued for the worker.')
		const [usage] = await sql<{ cost: number; n: number }[]>`
			select coalesce(sum(cost_usd), 0)::float as cost, count(*)::int as n
			from embedding_usage where purpose = 'image'`
		expect(usage!.n).toBe(3)
		expect(usage!.cost).toBeGreaterThan(0)
		expect(embedded.lastLine).toBe(`embeddings: completed, 3 of 3 done, cost $${usage!.cost}`)
		// What the user notices: searching by meaning finds the invoice again.
		expect((await searchIds('receipt'))[0]).toBe(ids[0])

		const hashed = await backfill(['hashes', '--wait'])
		expect(hashed.code, hashed.stderr).toBe(0)
		expect(hashed.lastLine).toBe('hashes: completed, 3 of 3 done')
		const hashes = await sql`select phash from images where id in ${sql(ids)} and phash is not null`
		expect(hashes).toHaveLength(3)
	})

	it('stops a cancelled run: its images are left alone', async () => {
		await worker!.stop()
		worker = undefined
		await makeOld()
		const started = await backfill(['hashes'])
		expect(started.stdout).toContain('hashes: 3 images queued for the worker.')
		// What the run's job does first, done here while no worker runs: queue a page of image jobs.
		const [run] = await sql<{ id: string }[]>`
			select id from backfill_runs where kind = 'hashes' and status = 'running'`
		const { queueBackfillPage } = await import('#app/backfill/runs.server')
		await queueBackfillPage(run!.id)
		const waiting = () =>
			sql`select 1 from graphile_worker.jobs where key like ${`backfill:${run!.id}:%`}`
		expect(await waiting()).toHaveLength(3)
		const cancelled = await backfill(['cancel', 'hashes'])
		expect(cancelled.stdout).toContain('hashes: cancelled.')
		expect(await waiting()).toHaveLength(0)
		worker = await startWorker({ ...aiEnv, OPENAI_BASE_URL: fake.baseUrl })
		// The run's own job still runs, finds the run cancelled, and queues nothing.
		await waitFor(
			async () =>
				(
					await sql`select 1 from graphile_worker.jobs where task_identifier in ('backfill', 'hash-image')`
				).length === 0,
		)
		const hashes = await sql`select 1 from images where id in ${sql(ids)} and phash is not null`
		expect(hashes).toHaveLength(0)
		expect((await backfill(['status'])).stdout).toContain('hashes: cancelled, 0 of 3 done')
	})

	it('says what to configure when there is no embeddings provider', async () => {
		const result = await backfill(['embeddings'], { AI_PROVIDER: 'none' })
		expect(result.code).toBe(1)
		expect(result.stderr).toContain('OPENAI_API_KEY')
	})
})
