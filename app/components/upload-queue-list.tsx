import { Link } from '@remix-run/react'
import { useState } from 'react'
import { type QueuedUpload, queueSummary } from '#app/components/upload-queue'

type RowActions = {
	onRetry: (key: string) => void
	onDismiss: (key: string) => void
}

/** The queue under the gallery's upload box: a spoken summary, the rows, "Clear finished". */
export function UploadQueueList({
	uploads,
	onClearFinished,
	...actions
}: RowActions & { uploads: QueuedUpload[]; onClearFinished: () => void }) {
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
			<UploadRows uploads={uploads} {...actions} />
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

/** One row per file: what it is (thumbnail, whole name), where it stands, what can be done. */
export function UploadRows({ uploads, ...actions }: RowActions & { uploads: QueuedUpload[] }) {
	if (uploads.length === 0) return null
	return (
		<ul className="mt-2 space-y-2" aria-label="Uploads" data-testid="upload-queue">
			{uploads.map((upload) => (
				<UploadRow
					key={upload.key}
					upload={upload}
					onRetry={() => actions.onRetry(upload.key)}
					onDismiss={() => actions.onDismiss(upload.key)}
				/>
			))}
		</ul>
	)
}

function UploadRow({
	upload,
	onRetry,
	onDismiss,
}: {
	upload: QueuedUpload
	onRetry: () => void
	onDismiss: () => void
}) {
	const progressId = `${upload.key}-progress`
	const name = upload.file.name || 'pasted image'
	const failed = upload.state === 'failed'
	const sentValue = upload.state === 'uploaded' ? upload.total : upload.sent
	// The name labels the progress bar; a failed row has none.
	const Name = failed ? 'span' : 'label'
	return (
		<li
			className={`flex items-start gap-3 rounded-md border px-3 py-2 text-sm ${
				failed ? 'border-red-300 bg-red-50 text-red-900' : 'border-zinc-200 bg-white'
			}`}
			data-state={upload.state}
			data-testid="upload-row"
		>
			<Preview url={upload.previewUrl} />
			<div className="min-w-0 flex-1">
				<div className="flex flex-wrap items-center gap-x-3 gap-y-1">
					{/* The whole name, wrapped anywhere: an error must be matched to its file. */}
					<Name
						htmlFor={failed ? undefined : progressId}
						className="min-w-0 flex-1 basis-40 font-medium wrap-anywhere"
						data-testid="upload-name"
					>
						{name}
					</Name>
					{/* A failed file shows no bar: a full one would read as success. */}
					{failed ? null : (
						<progress
							id={progressId}
							max={upload.total || 1}
							value={upload.state === 'queued' ? undefined : sentValue}
							aria-valuetext={progressText(upload)}
							className="h-2 w-24 overflow-hidden rounded accent-indigo-600 sm:w-36"
						/>
					)}
					<span className={failed ? 'font-medium text-red-800' : 'text-zinc-700'}>
						{progressText(upload)}
					</span>
					{upload.image ? (
						<Link
							to={`/images/${upload.image.id}`}
							className="underline focus-visible:outline-2 focus-visible:outline-indigo-600"
							aria-label={`Open ${name}`}
						>
							Open
						</Link>
					) : null}
					{failed && upload.retryable ? (
						<button
							type="button"
							onClick={onRetry}
							aria-label={`Retry ${name}`}
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
				</div>
				{upload.error ? (
					<p className="mt-1 text-red-800" role="alert">
						{upload.error}
						{upload.duplicateOf ? (
							<>
								{' '}
								<a href={`/images/${upload.duplicateOf}`} className="underline">
									Open the image you already have
								</a>
							</>
						) : null}
					</p>
				) : null}
			</div>
		</li>
	)
}

/** The local file itself, small; a type the browser cannot show (HEIC, TIFF) leaves a blank tile. */
function Preview({ url }: { url: string | undefined }) {
	const [broken, setBroken] = useState(false)
	const tile = 'size-10 shrink-0 rounded bg-zinc-100'
	if (!url || broken) return <span aria-hidden="true" className={tile} />
	return (
		<img
			src={url}
			alt=""
			width={40}
			height={40}
			onError={() => setBroken(true)}
			className={`${tile} object-cover`}
			data-testid="upload-thumbnail"
		/>
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
