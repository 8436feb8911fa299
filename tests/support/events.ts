import { api } from '#tests/support/app'

// A server-sent-events client for GET /api/events, read with fetch as an API
// client would: every event with its arrival time, and a way to wait for one.

export type ImageEvent = {
	type: 'insert' | 'update' | 'delete'
	id: string
	status: string
	aiStatus: string
	overallStatus: string
	updatedAt: string
}
export type Received = { event: string; data: string; at: number }

/** An open event stream: what it has received so far (with arrival times) and a way to wait. */
export type EventStream = {
	response: Response
	/** Everything read from the wire, including comments and the retry field. */
	raw: () => string
	events: Received[]
	images: () => Array<ImageEvent & { at: number }>
	waitFor: (
		predicate: (event: ImageEvent & { at: number }) => boolean,
		timeoutMs?: number,
	) => Promise<ImageEvent & { at: number }>
	close: () => void
	/** Settles when the server ends the stream. */
	ended: Promise<void>
}

export async function openEvents(baseUrl: string, token: string): Promise<EventStream> {
	const abort = new AbortController()
	const response = await api(baseUrl, '/api/events', {
		token,
		// Asks for gzip on purpose: the stream must come back uncompressed.
		headers: { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip' },
		signal: abort.signal,
	})
	const events: Received[] = []
	let raw = ''
	const waiters = new Set<() => void>()
	let markEnded = () => {}
	const ended = new Promise<void>((resolve) => (markEnded = resolve))
	if (response.ok) {
		void (async () => {
			const decoder = new TextDecoder()
			let buffer = ''
			const reader = response.body!.getReader()
			try {
				for (;;) {
					const { done, value } = await reader.read()
					if (done) {
						markEnded()
						break
					}
					const at = Date.now()
					const text = decoder.decode(value, { stream: true })
					raw += text
					buffer += text
					let end: number
					while ((end = buffer.indexOf('\n\n')) !== -1) {
						const block = buffer.slice(0, end)
						buffer = buffer.slice(end + 2)
						const field = (name: string) =>
							block
								.split('\n')
								.filter((line) => line.startsWith(`${name}: `))
								.map((line) => line.slice(name.length + 2))
								.join('\n')
						const event = field('event')
						if (event) events.push({ event, data: field('data'), at })
					}
					for (const wake of waiters) wake()
				}
			} catch {
				// Aborted by close().
			}
		})()
	}
	const images = () =>
		events
			.filter((e) => e.event === 'image')
			.map((e) => ({ ...(JSON.parse(e.data) as ImageEvent), at: e.at }))
	return {
		response,
		raw: () => raw,
		events,
		images,
		waitFor: (predicate, timeoutMs = 30_000) =>
			new Promise((resolve, reject) => {
				const check = () => {
					const found = images().find(predicate)
					if (!found) return
					cleanup()
					resolve(found)
				}
				const timer = setTimeout(() => {
					cleanup()
					reject(new Error(`No matching event in ${timeoutMs} ms; received:\n${raw}`))
				}, timeoutMs)
				const cleanup = () => {
					clearTimeout(timer)
					waiters.delete(check)
				}
				waiters.add(check)
				check()
			}),
		close: () => abort.abort(),
		ended,
	}
}
