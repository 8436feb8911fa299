import { Link } from '@remix-run/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { StatusBadge } from './ui'
import { fileTooLargeMessage } from '~/format'

// Browser uploads with JavaScript: every file is its own POST /api/images
// (the cookie session authenticates it; the browser's Origin header satisfies
// the CSRF check), at most three at a time, each with its own progress bar.

const CONCURRENT_UPLOADS = 3

export type UploadState = 'queued' | 'uploading' | 'uploaded' | 'failed'

export type QueuedUpload = {
	key: string
	/** Sent as Idempotency-Key: a repeated or retried send of this file never makes a second image. */
	idempotencyKey: string
	file: File
	state: UploadState
	/** Bytes of the request body sent so far, and its total (the file plus the multipart envelope). */
	sent: number
	total: number
	error?: string
	/** False when sending again cannot help (the file is over the size limit). */
	retryable?: boolean
	image?: { id: string; overallStatus: string }
}

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
			update(key, { state: 'queued', sent: 0, error: undefined })
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
						update(upload.key, { state: 'failed', error: result.error })
					}
				},
			})
			requests.current.set(upload.key, request)
		}
	}, [uploads, update])

	useEffect(() => {
		const pending = requests.current
		return () => pending.forEach((request) => request.abort())
	}, [])

	return { uploads, add, retry, dismiss, clearFinished }
}

type SendResult = { image: { id: string; overallStatus: string } } | { error: string }

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
			on.done({ image: { id: body.id, overallStatus: String(body.overallStatus) } })
			return
		}
		// The server's problem+json says what was wrong with this file.
		const detail = body && (body.detail ?? body.title)
		on.done({
			error:
				typeof detail === 'string' && detail
					? detail
					: `The upload failed (HTTP ${request.status}). Please try again.`,
		})
	}
	request.onerror = () =>
		on.done({ error: 'The upload did not reach the server. Check the connection and retry.' })
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

export function UploadQueueList({
	uploads,
	statusOf,
	onRetry,
	onDismiss,
	onClearFinished,
}: {
	uploads: QueuedUpload[]
	/** The image's live overall status when the gallery knows it. */
	statusOf: (id: string) => string | undefined
	onRetry: (key: string) => void
	onDismiss: (key: string) => void
	onClearFinished: () => void
}) {
	const finished = uploads.some((u) => u.state === 'uploaded' || u.state === 'failed')
	return (
		<div className="mt-4">
			<p
				role="status"
				aria-live="polite"
				className="text-sm font-medium"
				data-testid="upload-summary"
			>
				{queueSummary(uploads)}
			</p>
			{uploads.length ? (
				<ul className="mt-2 space-y-2" aria-label="Uploads" data-testid="upload-queue">
					{uploads.map((upload) => (
						<UploadRow
							key={upload.key}
							upload={upload}
							status={
								upload.image ? (statusOf(upload.image.id) ?? upload.image.overallStatus) : undefined
							}
							onRetry={() => onRetry(upload.key)}
							onDismiss={() => onDismiss(upload.key)}
						/>
					))}
				</ul>
			) : null}
			{finished ? (
				<button
					type="button"
					onClick={onClearFinished}
					className="mt-2 text-sm text-zinc-700 underline hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
				>
					Clear finished
				</button>
			) : null}
		</div>
	)
}

function UploadRow({
	upload,
	status,
	onRetry,
	onDismiss,
}: {
	upload: QueuedUpload
	status: string | undefined
	onRetry: () => void
	onDismiss: () => void
}) {
	const progressId = `${upload.key}-progress`
	const name = upload.file.name || 'pasted image'
	const sentValue = upload.state === 'uploaded' ? upload.total : upload.sent
	return (
		<li
			className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-zinc-200 bg-white px-3 py-2 text-sm"
			data-state={upload.state}
			data-testid="upload-row"
		>
			<label htmlFor={progressId} className="min-w-0 flex-1 truncate font-medium" title={name}>
				{name}
			</label>
			<progress
				id={progressId}
				max={upload.total || 1}
				value={upload.state === 'queued' ? undefined : sentValue}
				aria-valuetext={progressText(upload)}
				className="h-2 w-32 overflow-hidden rounded accent-indigo-600 sm:w-48"
			/>
			<span className="w-28 text-zinc-700">{progressText(upload)}</span>
			{upload.image && status ? (
				<span className="flex items-center gap-2">
					<StatusBadge status={status} />
					<Link
						to={`/images/${upload.image.id}`}
						className="underline focus-visible:outline-2 focus-visible:outline-indigo-600"
						aria-label={`Open ${name}`}
					>
						Open
					</Link>
				</span>
			) : null}
			{upload.state === 'failed' && upload.retryable !== false ? (
				<button
					type="button"
					onClick={onRetry}
					className="rounded-md border border-zinc-300 bg-white px-2 py-1 font-medium text-zinc-800 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
				>
					Retry
				</button>
			) : null}
			<button
				type="button"
				onClick={onDismiss}
				aria-label={`${upload.state === 'uploading' || upload.state === 'queued' ? 'Cancel' : 'Dismiss'} ${name}`}
				className="rounded-md px-2 py-1 text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
			>
				✕
			</button>
			{upload.error ? (
				<p className="basis-full text-red-700" role="alert">
					{upload.error}
				</p>
			) : null}
		</li>
	)
}

function progressText(upload: QueuedUpload) {
	switch (upload.state) {
		case 'queued':
			return 'Waiting…'
		case 'uploading':
			return `${Math.floor((upload.sent / (upload.total || 1)) * 100)}% sent`
		case 'uploaded':
			return 'Uploaded'
		case 'failed':
			return 'Failed'
	}
}
