import { useRevalidator } from '@remix-run/react'
import {
	createContext,
	type ReactNode,
	useCallback,
	useContext,
	useEffect,
	useRef,
	useState,
} from 'react'
import { fileTooLargeMessage } from '#app/format'

// Browser uploads with JavaScript: every file is its own POST /api/images
// (the cookie session authenticates it; the browser's Origin header satisfies
// the CSRF check), at most three at a time, each with its own progress bar.
// The queue lives in the app layout (UploadQueueProvider), above the routes,
// so uploads go on while the user browses to other pages.

const CONCURRENT_UPLOADS = 3

export type UploadState = 'queued' | 'uploading' | 'uploaded' | 'failed'

export type QueuedUpload = {
	key: string
	/** Sent as Idempotency-Key: a repeated or retried send of this file never makes a second image. */
	idempotencyKey: string
	file: File
	/** An object URL of the local file for the row's thumbnail; revoked when the row goes. */
	previewUrl?: string
	state: UploadState
	/** Bytes of the request body sent so far, and its total (the file plus the multipart envelope). */
	sent: number
	total: number
	error?: string
	/** A refused duplicate: the image with the same bytes the user already has. */
	duplicateOf?: string
	/** True when sending again can help: the network failed, 429 or a 5xx. */
	retryable?: boolean
	image?: { id: string }
}

export type UploadQueue = ReturnType<typeof useUploadQueue>

let nextKey = 0

export function useUploadQueue({
	onUploaded,
	maxBytes,
}: {
	onUploaded: () => void
	/** The server's MAX_UPLOAD_BYTES: a larger file is refused here, before sending it. */
	maxBytes: number
}) {
	const [uploads, setUploads] = useState<QueuedUpload[]>([])
	const requests = useRef(new Map<string, XMLHttpRequest>())
	const onUploadedRef = useRef(onUploaded)
	onUploadedRef.current = onUploaded

	const update = useCallback((key: string, change: Partial<QueuedUpload>) => {
		setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)))
	}, [])

	const add = useCallback(
		(files: Iterable<File>) => {
			const added = [...files].map((file): QueuedUpload => {
				const upload: QueuedUpload = {
					key: `upload-${++nextKey}`,
					idempotencyKey: randomKey(),
					file,
					previewUrl: URL.createObjectURL(file),
					state: 'queued',
					sent: 0,
					total: file.size,
				}
				if (file.size <= maxBytes) return upload
				// The server's answer, without sending megabytes only to hear it.
				return {
					...upload,
					state: 'failed',
					error: fileTooLargeMessage(maxBytes),
					retryable: false,
				}
			})
			if (added.length) setUploads((all) => [...all, ...added])
		},
		[maxBytes],
	)

	const retry = useCallback(
		(key: string) => {
			requests.current.delete(key)
			update(key, { state: 'queued', sent: 0, error: undefined, retryable: undefined })
		},
		[update],
	)

	const dismiss = useCallback((key: string) => {
		requests.current.get(key)?.abort()
		requests.current.delete(key)
		setUploads((all) => all.filter((u) => u.key !== key))
	}, [])

	const clearFinished = useCallback(() => {
		setUploads((all) => all.filter((u) => u.state === 'queued' || u.state === 'uploading'))
	}, [])

	// Promote queued files while fewer than three are on the wire.
	useEffect(() => {
		const active = uploads.filter((u) => u.state === 'uploading').length
		const next = uploads
			.filter((u) => u.state === 'queued')
			.slice(0, Math.max(0, CONCURRENT_UPLOADS - active))
		if (next.length === 0) return
		const keys = new Set(next.map((u) => u.key))
		setUploads((all) => all.map((u) => (keys.has(u.key) ? { ...u, state: 'uploading' } : u)))
	}, [uploads])

	// Start the request of every file promoted above (once: the map remembers it).
	useEffect(() => {
		for (const upload of uploads) {
			if (upload.state !== 'uploading' || requests.current.has(upload.key)) continue
			const request = send(upload.file, upload.idempotencyKey, {
				progress: (sent, total) => update(upload.key, { sent, total }),
				// The request stays in the map after it ends: an effect still queued from an
				// earlier render (state "uploading") must not send the file a second time.
				done: (result) => {
					if ('image' in result) {
						update(upload.key, { state: 'uploaded', image: result.image })
						onUploadedRef.current()
					} else {
						update(upload.key, {
							state: 'failed',
							error: result.error,
							retryable: result.retryable,
							duplicateOf: result.duplicateOf,
						})
					}
				},
			})
			requests.current.set(upload.key, request)
		}
	}, [uploads, update])

	useRevokedPreviews(uploads)

	useEffect(() => {
		const pending = requests.current
		return () => pending.forEach((request) => request.abort())
	}, [])

	return { uploads, add, retry, dismiss, clearFinished }
}

/** Frees each row's object URL once the row is gone (dismissed, cleared, or the queue unmounted). */
function useRevokedPreviews(uploads: QueuedUpload[]) {
	const live = useRef(new Set<string>())
	useEffect(() => {
		const current = new Set(uploads.flatMap((u) => (u.previewUrl ? [u.previewUrl] : [])))
		for (const url of live.current) if (!current.has(url)) URL.revokeObjectURL(url)
		live.current = current
	}, [uploads])
	useEffect(() => {
		const urls = live
		return () => urls.current.forEach((url) => URL.revokeObjectURL(url))
	}, [])
}

/** Closing or reloading the tab would cancel the uploads on the wire: the browser asks first. */
function useWarnBeforeUnload(inFlight: boolean) {
	useEffect(() => {
		if (!inFlight) return
		const onBeforeUnload = (event: BeforeUnloadEvent) => {
			event.preventDefault()
			// Older browsers show the dialog only when returnValue is set.
			event.returnValue = ''
		}
		window.addEventListener('beforeunload', onBeforeUnload)
		return () => window.removeEventListener('beforeunload', onBeforeUnload)
	}, [inFlight])
}

const UploadQueueContext = createContext<UploadQueue | null>(null)

/** The one upload queue of the signed-in app; finished uploads re-run the page's loaders. */
export function UploadQueueProvider({
	maxBytes,
	children,
}: {
	maxBytes: number
	children: ReactNode
}) {
	const { revalidate } = useRevalidator()
	const queue = useUploadQueue({ onUploaded: revalidate, maxBytes })
	useWarnBeforeUnload(queue.uploads.some(isInFlight))
	return <UploadQueueContext.Provider value={queue}>{children}</UploadQueueContext.Provider>
}

export function useUploadQueueContext() {
	const queue = useContext(UploadQueueContext)
	if (!queue) throw new Error('useUploadQueueContext needs an UploadQueueProvider above it.')
	return queue
}

export function isInFlight(upload: QueuedUpload) {
	return upload.state === 'queued' || upload.state === 'uploading'
}

type SendResult =
	{ image: { id: string } } | { error: string; retryable: boolean; duplicateOf?: string }

/** Worth sending again: the network failed (0), the server was busy (429) or failed (5xx). */
export function isRetryableStatus(status: number) {
	return status === 0 || status === 429 || status >= 500
}

function send(
	file: File,
	idempotencyKey: string,
	on: { progress: (sent: number, total: number) => void; done: (result: SendResult) => void },
) {
	const request = new XMLHttpRequest()
	request.open('POST', '/api/images')
	request.setRequestHeader('Accept', 'application/json')
	request.setRequestHeader('Idempotency-Key', idempotencyKey)
	request.upload.onprogress = (event) => {
		if (event.lengthComputable) on.progress(event.loaded, event.total)
	}
	request.onload = () => {
		const body = parseJson(request.responseText)
		if (request.status === 202 && body && typeof body.id === 'string') {
			on.done({ image: { id: body.id } })
			return
		}
		// The server's problem+json says what was wrong with this file.
		const detail = body && (body.detail ?? body.title)
		on.done({
			error:
				typeof detail === 'string' && detail
					? detail
					: `The upload failed (HTTP ${request.status}). Please try again.`,
			retryable: isRetryableStatus(request.status),
			duplicateOf: typeof body?.duplicateOf === 'string' ? body.duplicateOf : undefined,
		})
	}
	request.onerror = () =>
		on.done({
			error: 'The upload did not reach the server. Check the connection and retry.',
			retryable: true,
		})
	const form = new FormData()
	form.append('file', file, file.name)
	request.send(form)
	return request
}

/** 128 random bits as hex (crypto.randomUUID exists only in secure contexts). */
function randomKey() {
	const bytes = crypto.getRandomValues(new Uint8Array(16))
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function parseJson(text: string): Record<string, unknown> | null {
	try {
		const value: unknown = JSON.parse(text)
		return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
	} catch {
		return null
	}
}

/** One line a screen reader hears after each change: "2 of 5 uploaded, 1 failed". */
export function queueSummary(uploads: QueuedUpload[]) {
	if (uploads.length === 0) return ''
	const uploaded = uploads.filter((u) => u.state === 'uploaded').length
	const failed = uploads.filter((u) => u.state === 'failed').length
	return `${uploaded} of ${uploads.length} uploaded${failed ? `, ${failed} failed` : ''}`
}
