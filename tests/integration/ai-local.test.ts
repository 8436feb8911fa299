import dns from 'node:dns'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareForAnalysis } from '#app/ai/prepare.server'
import { AiAnalysisError, type AnalysisInput } from '#app/ai/types'
import { scannedPage } from '#tests/support/images'
import {
	api,
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
} from '#tests/support/app'

// The local provider must work with no network at all. A stub of
// globalThis.fetch in this thread proves nothing: tesseract.js runs in a
// worker thread with its own globals, and Node's fetch ignores HTTP(S)_PROXY,
// so a proxy on a closed port would let a download through unnoticed. So
// every thread gets a guard that refuses fetch, sockets and DNS and reports
// on a BroadcastChannel (which crosses threads): this one directly, and
// tesseract's worker because node:worker_threads' Worker is wrapped to load
// the guard before the worker script. The guard also reports that it was
// installed, so a wrapper that silently missed the thread fails the test.

const CHANNEL = 'darkroom-net-guard'

/** Runs first in every worker thread; plain CommonJS because it is eval'd there. */
const WORKER_GUARD = `
	const { threadId } = require('node:worker_threads')
	const channel = new BroadcastChannel(${JSON.stringify(CHANNEL)})
	channel.unref()
	const refuse = (what) => {
		channel.postMessage({ threadId, what })
		throw new Error('No network in this test: ' + what)
	}
	globalThis.fetch = async (input) => refuse('fetch ' + String(input))
	require('node:net').Socket.prototype.connect = function () { return refuse('socket connect') }
	require('node:dns').lookup = () => refuse('dns lookup')
	channel.postMessage({ threadId, what: 'installed' })
`

type Report = { threadId: number; what: string }

function guardThisThread(report: (what: string) => void) {
	const saved = {
		fetch: globalThis.fetch,
		connect: net.Socket.prototype.connect,
		lookup: dns.lookup,
	}
	const refuse = (what: string): never => {
		report(what)
		throw new Error(`No network in this test: ${what}`)
	}
	globalThis.fetch = async (input) => refuse(`fetch ${String(input)}`)
	net.Socket.prototype.connect = (() => refuse('socket connect')) as typeof saved.connect
	;(dns as { lookup: unknown }).lookup = () => refuse('dns lookup')
	return () => {
		globalThis.fetch = saved.fetch
		net.Socket.prototype.connect = saved.connect
		;(dns as { lookup: unknown }).lookup = saved.lookup
	}
}

/** Makes every new worker thread (tesseract's included) run WORKER_GUARD before its script. */
function guardNewWorkers() {
	const threads = createRequire(import.meta.url)(
		'node:worker_threads',
	) as typeof import('node:worker_threads')
	const Original = threads.Worker
	threads.Worker = class GuardedWorker extends Original {
		constructor(script: string | URL, options?: import('node:worker_threads').WorkerOptions) {
			const file = script instanceof URL ? script.pathname : script
			super(`${WORKER_GUARD}\nrequire(${JSON.stringify(file)})`, { ...options, eval: true })
		}
	}
	return () => {
		threads.Worker = Original
	}
}

// --- Images -----------------------------------------------------------------

/** A grainy sky-blue gradient with a strip of green at the bottom. */
function bluePhoto(width = 1200, height = 800): Promise<Buffer> {
	const pixels = Buffer.alloc(width * height * 3)
	let seed = 7
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
			const grain = (seed >>> 27) - 16
			const i = (y * width + x) * 3
			const sky = y < height * 0.88
			pixels[i] = (sky ? 40 + (y * 40) / height : 50) + grain
			pixels[i + 1] = (sky ? 100 + (y * 50) / height : 140) + grain
			pixels[i + 2] = (sky ? 210 - (y * 30) / height : 60) + grain
		}
	}
	return sharp(pixels, { raw: { width, height, channels: 3 } })
		.jpeg()
		.toBuffer()
}

/** What the analyze-image task hands a provider. */
async function analysisInput(image: Buffer, filename: string): Promise<AnalysisInput> {
	return { ...(await prepareForAnalysis(image, 1024)), filename }
}

// --- Tests ------------------------------------------------------------------

describe('local AI provider (tesseract.js)', () => {
	const reports: Report[] = []
	const channel = new BroadcastChannel(CHANNEL)
	channel.onmessage = (event) => reports.push((event as MessageEvent<Report>).data)
	const stray = path.join(process.cwd(), 'eng.traineddata')
	const strayBefore = fs.existsSync(stray)
	let restore: Array<() => void> = []
	let provider: Awaited<ReturnType<(typeof import('#app/ai/local.server'))['createLocalProvider']>>
	let colourName: (typeof import('#app/ai/local.server'))['colourName']

	beforeAll(async () => {
		restore = [guardNewWorkers(), guardThisThread((what) => reports.push({ threadId, what }))]
		// Imported after the guards so tesseract.js picks up the wrapped Worker.
		const local = await import('#app/ai/local.server')
		provider = local.createLocalProvider()
		colourName = local.colourName
	})

	afterAll(async () => {
		await provider?.close()
		for (const undo of restore) undo()
		channel.close()
	})

	it('reads the text of a scanned page', async () => {
		const input = await analysisInput(await scannedPage(), 'scan.jpg')
		const timings: number[] = []
		let result
		for (let run = 0; run < 3; run++) {
			const started = performance.now()
			result = await provider.analyze(input)
			timings.push(Math.round(performance.now() - started))
		}
		console.log(
			`local OCR of a ${input.width}×${input.height} page: first ${timings[0]} ms (starts the worker), then ${timings.slice(1).join(' ms, ')} ms`,
		)

		expect(result!.ocrText).toContain('INVOICE 4471')
		expect(result!.ocrText).toContain('Total due: 108.84 GBP')
		expect(result!.ocrText).not.toMatch(/[ \t]{2,}|^\s|\s$/)
		expect(result!.tags).toEqual(expect.arrayContaining(['portrait', 'text', 'white']))
		expect(result!.tags).not.toContain('landscape')
		expect(result).toMatchObject({
			summary: null,
			safety: { flagged: false, categories: [], source: 'none' },
			inputTokens: 0,
			outputTokens: 0,
		})
		const { version } = createRequire(import.meta.url)('tesseract.js/package.json') as {
			version: string
		}
		expect(result!.model).toBe(`tesseract.js@${version} (eng)`)
	})

	it('tags a mostly blue photo without text', async () => {
		const result = await provider.analyze(await analysisInput(await bluePhoto(), 'sky.jpg'))
		expect(result.tags[0]).toBe('blue')
		expect(result.tags).toContain('landscape')
		expect(result.tags).not.toContain('text')
		expect(result.ocrText).toBeNull()
		expect(result.tags.length).toBeLessThanOrEqual(15)
		expect(new Set(result.tags).size).toBe(result.tags.length)
	})

	it('names colours plainly', () => {
		const cases: Array<[[number, number, number], string]> = [
			[[220, 30, 30], 'red'],
			[[250, 140, 20], 'orange'],
			[[240, 220, 40], 'yellow'],
			[[40, 160, 60], 'green'],
			[[20, 150, 150], 'teal'],
			[[40, 90, 220], 'blue'],
			[[130, 50, 200], 'purple'],
			[[240, 130, 190], 'pink'],
			[[120, 70, 30], 'brown'],
			[[10, 10, 12], 'black'],
			[[250, 250, 250], 'white'],
			[[128, 128, 128], 'grey'],
		]
		for (const [[r, g, b], name] of cases) expect(colourName(r, g, b), `${r},${g},${b}`).toBe(name)
	})

	it('reports an unreadable image as an analysis error', async () => {
		const input: AnalysisInput = {
			image: Buffer.from('not an image at all'),
			contentType: 'image/jpeg',
			width: 10,
			height: 10,
			filename: 'broken.jpg',
		}
		const error = await provider.analyze(input).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(AiAnalysisError)
		expect((error as Error).message).toMatch(/^Could not read the image/)
	})

	it('used no network and left no model cache behind', async () => {
		await new Promise((resolve) => setTimeout(resolve, 50)) // let the last reports arrive
		const workerThreads = reports.filter((r) => r.what === 'installed' && r.threadId !== threadId)
		expect(workerThreads.length, 'the guard never reached the tesseract worker').toBeGreaterThan(0)
		expect(reports.filter((r) => r.what !== 'installed')).toEqual([])
		if (!strayBefore) expect(fs.existsSync(stray)).toBe(false)
	})
})

describe('AI_PROVIDER=local through the whole path', () => {
	it('a scanned page uploaded over the API reaches completed with its text in ai.ocrText, and is found by it', async () => {
		const env = { AI_PROVIDER: 'local' }
		const [web, worker] = await Promise.all([startWeb(env), startWorker(env)])
		try {
			const { token } = await register(web.baseUrl)
			const response = await uploadFile(web.baseUrl, token, await scannedPage(), 'scan.jpg')
			expect(response.status).toBe(202)
			const { id } = (await response.json()) as { id: string }
			const image = (await waitForTerminal(web.baseUrl, token, id)) as unknown as {
				overallStatus: string
				ai: { ocrText: string; model: string; costUsd: number; safety: { source: string } }
			}
			expect(image.overallStatus).toBe('completed')
			expect(image.ai.ocrText).toContain('INVOICE 4471')
			expect(image.ai.model).toMatch(/^tesseract\.js@/)
			expect(image.ai.costUsd).toBe(0)
			expect(image.ai.safety.source).toBe('none')
			const found = await api(web.baseUrl, '/api/images?q=harbour', { token })
			expect(
				((await found.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id),
			).toEqual([id])
		} finally {
			await Promise.all([web.stop(), worker.stop()])
		}
	})
})
