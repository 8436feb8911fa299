import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// HEIC pixels come from libheif compiled to WebAssembly (heic-decode): seconds
// of synchronous CPU for a large photo, which on the main thread would stall
// the worker's heartbeat and job lock renewals (and the web's requests). So
// every HEIC read runs in a worker thread of its own: the event loop goes on,
// and the WebAssembly memory, which only ever grows, goes away with the thread.

/** What the thread found: the primary image, or why not. */
export type HeicReading =
	| {
			kind: 'image'
			width: number
			height: number
			count: number
			/** RGBA. */
			pixels: Uint8Array
			/** Every pixel's alpha is 255 (found here too: a loop over every pixel). */
			opaque: boolean
	  }
	| { kind: 'too-large'; width: number; height: number }
	| { kind: 'corrupt' }

type Job = {
	modulePath: string
	input: Uint8Array
	primaryIndex: number
	maxInputPixels: number
}

/** Resolved here: the thread's code is evaluated, so it has no module of its own to resolve from. */
const heicDecodePath = createRequire(import.meta.url).resolve('heic-decode')

// Evaluated rather than loaded from a file: the web runs from the server
// bundle (build/), the worker from source, and a file beside either would not
// be beside the other. Plain CommonJS, with nothing but the job and heic-decode.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { all } = require(workerData.modulePath)
const { input, primaryIndex, maxInputPixels } = workerData
// libheif throws only for input it cannot parse or decode; an allocation
// failure is a RangeError and stays an error (retryable), not bad input.
const failure = (error) =>
	error instanceof RangeError ? { kind: 'error', message: error.message } : { kind: 'corrupt' }
all({ buffer: input }).then(async (file) => {
	try {
		// Both libraries list the top-level images in the same order.
		const primary = file[primaryIndex] || file[0]
		if (!primary) return parentPort.postMessage({ kind: 'corrupt' })
		const { width, height } = primary
		// The size comes from the container: refused before a pixel is decoded.
		if (width * height > maxInputPixels) {
			return parentPort.postMessage({ kind: 'too-large', width, height })
		}
		const pixels = (await primary.decode()).data
		let opaque = true
		for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 255) { opaque = false; break }
		const reading = { kind: 'image', width, height, count: file.length, pixels, opaque }
		parentPort.postMessage(reading, [pixels.buffer])
	} catch (error) {
		parentPort.postMessage(failure(error))
	} finally {
		file.dispose()
	}
}, (error) => parentPort.postMessage(failure(error)))
`

/**
 * Parses the HEIC container in a worker thread, checks the primary image's
 * size against `maxInputPixels`, and decodes its RGBA pixels.
 * Rejects only for failures that are not the file's fault (memory, a crashed thread).
 */
export function readHeic(
	input: Buffer,
	options: { primaryIndex: number; maxInputPixels: number },
): Promise<HeicReading> {
	const job: Job = { modulePath: heicDecodePath, input, ...options }
	return new Promise((resolve, reject) => {
		const thread = new Worker(THREAD_SOURCE, { eval: true, workerData: job })
		thread.once('message', (message: HeicReading | { kind: 'error'; message: string }) => {
			if (message.kind === 'error') reject(new RangeError(message.message))
			else resolve(message)
		})
		thread.once('error', reject)
		// Settled already unless it died without a word.
		thread.once('exit', (code) =>
			reject(new Error(`The HEIC decoder thread exited (code ${code})`)),
		)
	})
}
