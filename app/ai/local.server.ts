import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Worker as Thread } from 'node:worker_threads'
import sharp from 'sharp'
import type Tesseract from 'tesseract.js'
import { config } from '#app/config.server'
import {
	AiAnalysisError,
	type AiProvider,
	type Analysis,
	type AnalysisInput,
	MAX_AI_TAGS,
} from './types'

// Offline analysis: OCR with tesseract.js (WebAssembly, in a worker thread)
// plus tags computed from the pixels. Nothing is downloaded: the core wasm is
// required from tesseract.js-core and the English model is read from
// @tesseract.js-data/eng, both in node_modules.

const require = createRequire(import.meta.url)

const LANG = 'eng'
/** OEM.LSTM_ONLY (the const enum in tesseract.js's types can't be used under isolatedModules). */
const OEM_LSTM_ONLY = 1
/** PSM.AUTO: find the text blocks anywhere, as on a page or in a photo. The API's default is a single block. */
const PSM_AUTO = '3'
/** Inputs arrive at ≤ AI_IMAGE_MAX_SIZE (1024 px by default), where body text on a page is ~10 px high; this brings it to ~25–30 px, where tesseract reads best, without making big pages slow. */
const OCR_LONG_SIDE = 2400
const OCR_MAX_UPSCALE = 3
/** Words tesseract is less sure of are mostly texture read as letters. */
const MIN_WORD_CONFIDENCE = 55
const MIN_TEXT_CHARS = 3
/** Alphanumeric characters for the `text` and `document` tags. */
const TEXT_TAG_CHARS = 12
const DOCUMENT_TAG_CHARS = 150

type LocalProvider = AiProvider & { close(): Promise<void> }

export function createLocalProvider(): LocalProvider {
	const ocr = createOcr(config.ai.timeoutMs)
	return {
		name: 'local',
		async analyze(input) {
			const [text, colours] = await Promise.all([
				preprocessForOcr(input).then(ocr.recognize).then(ocrText),
				colourNames(input),
			])
			return analysis(text, colours, orientationTag(input))
		},
		close: () => ocr.close(),
	}
}

function analysis(text: string | null, colours: string[], orientation: string): Analysis {
	const chars = text ? alphanumericCount(text) : 0
	const tags = [
		...(chars >= TEXT_TAG_CHARS ? ['text'] : []),
		...(chars >= DOCUMENT_TAG_CHARS ? ['document'] : []),
		...colours,
		orientation,
	]
	return {
		// No local model can describe the picture; a sentence rebuilt from the
		// tags would only pretend to, so clients can tell "no description" apart.
		summary: null,
		tags: [...new Set(tags)].slice(0, MAX_AI_TAGS),
		ocrText: text,
		safety: { flagged: false, categories: [], source: 'none' },
		model: modelName(),
		inputTokens: 0,
		outputTokens: 0,
	}
}

let version: string | undefined
/** What actually ran, read from the installed package rather than assumed. */
function modelName() {
	version ??= (require('tesseract.js/package.json') as { version: string }).version
	return `tesseract.js@${version} (${LANG})`
}

/**
 * The integer-quantised LSTM model: what tesseract.js would otherwise fetch
 * from a CDN for LSTM-only recognition; the package's default (`4.0.0`) also
 * carries the legacy engine's data we never use, at 4× the size.
 */
function modelDir() {
	return path.join(
		path.dirname(require.resolve('@tesseract.js-data/eng/package.json')),
		'4.0.0_best_int',
	)
}

async function read<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work()
	} catch (error) {
		throw new AiAnalysisError(`Could not read the image: ${messageOf(error)}`, { cause: error })
	}
}

/** Greyscale, stretched contrast and a size where letters are ~30 px high: what tesseract likes in scans. */
function preprocessForOcr(input: AnalysisInput): Promise<Buffer> {
	return read(async () => {
		const image = sharp(input.image).autoOrient()
		const { autoOrient } = await image.metadata()
		const scale = Math.min(
			OCR_LONG_SIDE / Math.max(autoOrient.width, autoOrient.height),
			OCR_MAX_UPSCALE,
		)
		return image
			.resize({
				width: Math.max(1, Math.round(autoOrient.width * scale)),
				height: Math.max(1, Math.round(autoOrient.height * scale)),
				fit: 'fill',
			})
			.flatten({ background: '#ffffff' })
			.greyscale()
			.normalise()
			.png({ compressionLevel: 1 })
			.toBuffer()
	})
}

function orientationTag({ width, height }: AnalysisInput): string {
	const ratio = width / height
	if (ratio > 1.05) return 'landscape'
	if (ratio < 1 / 1.05) return 'portrait'
	return 'square'
}

// --- Colours ----------------------------------------------------------------

const COLOUR_SAMPLE = 64
/** Share of the pixels a colour needs to be named, and how many names at most. */
const COLOUR_MIN_SHARE = 0.12
const MAX_COLOURS = 3

/**
 * Plain names of the colours covering most of the picture: every pixel of a
 * small copy is named, and the most common names win. Naming first (rather
 * than averaging) keeps a blue sky over green grass "blue, green", not teal.
 */
function colourNames(input: AnalysisInput): Promise<string[]> {
	return read(async () => {
		const { data, info } = await sharp(input.image)
			.resize({ width: COLOUR_SAMPLE, height: COLOUR_SAMPLE, fit: 'inside' })
			.flatten({ background: '#ffffff' })
			.toColourspace('srgb')
			.raw()
			.toBuffer({ resolveWithObject: true })
		const counts = new Map<string, number>()
		for (let i = 0; i + 2 < data.length; i += info.channels) {
			const name = colourName(data[i]!, data[i + 1]!, data[i + 2]!)
			counts.set(name, (counts.get(name) ?? 0) + 1)
		}
		const pixels = info.width * info.height
		return [...counts]
			.filter(([, count]) => count / pixels >= COLOUR_MIN_SHARE)
			.sort((a, b) => b[1] - a[1])
			.slice(0, MAX_COLOURS)
			.map(([name]) => name)
	})
}

/** One of a dozen plain colour names for an sRGB pixel, from its hue, lightness and chroma. */
export function colourName(r: number, g: number, b: number): string {
	const max = Math.max(r, g, b) / 255
	const min = Math.min(r, g, b) / 255
	const chroma = max - min
	const lightness = (max + min) / 2
	if (lightness < 0.12) return 'black'
	if (lightness > 0.93) return 'white'
	if (chroma < 0.12) return lightness < 0.2 ? 'black' : lightness > 0.85 ? 'white' : 'grey'
	const hue = hueOf(r / 255, g / 255, b / 255, max, chroma)
	if (hue >= 10 && hue < 50 && (lightness < 0.45 || chroma < 0.3)) return 'brown'
	if (hue < 15 || hue >= 345) return lightness > 0.7 ? 'pink' : 'red'
	if (hue < 40) return 'orange'
	if (hue < 70) return 'yellow'
	if (hue < 165) return 'green'
	if (hue < 195) return 'teal'
	if (hue < 255) return 'blue'
	if (hue < 290) return 'purple'
	return 'pink'
}

function hueOf(r: number, g: number, b: number, max: number, chroma: number) {
	const sector =
		max === r ? ((g - b) / chroma + 6) % 6 : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4
	return sector * 60
}

// --- OCR text ---------------------------------------------------------------

/**
 * The page's text rebuilt from confident words only, one line per line and a
 * blank line between paragraphs; null when nothing readable is left.
 */
function ocrText(page: Tesseract.Page): string | null {
	const paragraphs: string[] = []
	for (const block of page.blocks ?? []) {
		for (const paragraph of block.paragraphs) {
			const lines = paragraph.lines
				.map((line) =>
					line.words
						.filter(
							(word) => word.confidence >= MIN_WORD_CONFIDENCE && /[\p{L}\p{N}]/u.test(word.text),
						)
						.map((word) => word.text.trim())
						.join(' '),
				)
				.filter((line) => line !== '')
			if (lines.length > 0) paragraphs.push(lines.join('\n'))
		}
	}
	const text = tidy(paragraphs.join('\n\n'))
	return alphanumericCount(text) >= MIN_TEXT_CHARS ? text : null
}

function tidy(text: string) {
	return text
		.replace(/[^\S\n]+/g, ' ')
		.replace(/ *\n */g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim()
}

function alphanumericCount(text: string) {
	return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0
}

// --- The tesseract worker ---------------------------------------------------

type Running = { worker: Tesseract.Worker; thread: Thread; exited: Promise<never> }

class OcrTimeoutError extends Error {}

/**
 * One tesseract worker, created on first use (loading the wasm and the model
 * takes about a second) and reused; recognitions run one at a time, since the
 * worker is single-threaded anyway. Its thread is unref'd while idle, so it
 * never keeps the process alive on its own; close() ends it.
 */
function createOcr(timeoutMs: number) {
	let running: Promise<Running> | undefined
	let queue: Promise<unknown> = Promise.resolve()

	function start() {
		if (running) return running
		const mine: Promise<Running> = spawn(timeoutMs, () => forget(mine)).catch((error: unknown) => {
			forget(mine)
			throw error
		})
		return (running = mine)
	}

	function forget(worker: Promise<Running>) {
		if (running === worker) running = undefined
	}

	async function stop() {
		const current = running
		running = undefined
		if (current) await (await current.catch(() => undefined))?.worker.terminate()
	}

	async function recognizeNow(image: Buffer): Promise<Tesseract.Page> {
		const { worker, thread, exited } = await start()
		let timer: NodeJS.Timeout | undefined
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new OcrTimeoutError()), timeoutMs)
		})
		thread.ref()
		try {
			const result = await Promise.race([
				worker.recognize(image, { rotateAuto: true }, { text: false, blocks: true }),
				exited,
				timeout,
			])
			return result.data
		} catch (error) {
			if (error instanceof OcrTimeoutError) {
				// The only way to stop a recognition is to end its worker.
				await stop()
				throw new Error(`OCR took longer than ${timeoutMs / 1000} s`)
			}
			if (error instanceof Error) throw error
			// tesseract reports its own failures as strings.
			throw new AiAnalysisError(`OCR failed: ${messageOf(error)}`)
		} finally {
			clearTimeout(timer)
			thread.unref()
		}
	}

	return {
		recognize(image: Buffer) {
			const result = queue.then(() => recognizeNow(image))
			queue = result.catch(() => {})
			return result
		},
		close: stop,
	}
}

async function spawn(timeoutMs: number, onExit: () => void): Promise<Running> {
	const langPath = modelDir()
	await fs.promises.access(path.join(langPath, `${LANG}.traineddata.gz`)).catch((error) => {
		throw new Error(`The OCR model is missing (${langPath}); reinstall @tesseract.js-data/eng`, {
			cause: error,
		})
	})
	const { createWorker } = (await import('tesseract.js')).default
	// createWorker never settles when loading the model fails; its error
	// handler is the only place that hears of it. Later calls are no-ops: each
	// recognition's own promise rejects as well.
	let failStart: (reason: Error) => void = () => {}
	const startFailed = new Promise<never>((_, reject) => (failStart = reject))
	startFailed.catch(() => {})
	// Nor does it hand out its thread then, to end it; Node announces every new
	// thread on the next tick, so catch ours there.
	let created: Thread | undefined
	const onThread = (thread: Thread) => (created = thread)
	process.once('worker', onThread)
	let worker: Tesseract.Worker
	try {
		worker = await withTimeout(
			Promise.race([
				createWorker(LANG, OEM_LSTM_ONLY, {
					langPath,
					gzip: true,
					// Not the default cache, which reads and writes eng.traineddata in the working directory.
					cacheMethod: 'none',
					// Without a handler tesseract.js rethrows failures inside its message listener: an uncaught exception.
					errorHandler: (reason: unknown) =>
						failStart(new Error(`The OCR worker failed to start: ${messageOf(reason)}`)),
				}),
				startFailed,
			]),
			timeoutMs,
			'Starting the OCR worker',
		)
		await worker.setParameters({ tessedit_pageseg_mode: PSM_AUTO as Tesseract.PSM })
	} catch (error) {
		await created?.terminate()
		throw error
	} finally {
		process.off('worker', onThread)
	}
	const thread = created
	if (!thread) {
		await worker.terminate()
		throw new Error('The OCR worker thread was not found')
	}
	thread.unref()
	const exited = new Promise<never>((_, reject) => {
		thread.once('error', (error) => reject(new Error('The OCR worker crashed', { cause: error })))
		thread.once('exit', (code) => {
			onExit()
			reject(new Error(`The OCR worker exited (code ${code})`))
		})
	})
	exited.catch(() => {})
	return { worker, thread, exited }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)
			}),
		])
	} finally {
		clearTimeout(timer)
	}
}

function messageOf(error: unknown) {
	return error instanceof Error ? error.message : String(error)
}
