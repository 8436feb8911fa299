import { useEffect, useRef, useState } from 'react'
import { useNavigation } from '@remix-run/react'
import { Alert, buttonClass } from '#app/components/ui'
import { useUploadQueueContext } from '#app/components/upload-queue'
import { UploadQueueList } from '#app/components/upload-queue-list'
import { formatBytes } from '#app/format'
import type { BatchOutcome } from '#app/images/upload-batch.server'

/**
 * The gallery's upload box: a plain multipart form without JavaScript, the
 * app's upload queue with it (files chosen, dropped anywhere or pasted).
 */
export function UploadBox({
	maxUploadBytes,
	outcomes,
	error,
}: {
	maxUploadBytes: number
	/** The no-JS form's per-file results. */
	outcomes?: BatchOutcome[]
	error?: string
}) {
	const navigation = useNavigation()
	const uploading =
		navigation.state === 'submitting' && navigation.formEncType === 'multipart/form-data'
	const queue = useUploadQueueContext()
	const [dragging, setDragging] = useState(false)
	const acceptsDrops = usePageDrops(queue.add, setDragging)
	const fileInput = useChosenFilesQueued(queue.add)

	return (
		<section
			aria-labelledby="upload-heading"
			data-testid="drop-zone"
			// Present once drops and pastes are listened for (after hydration).
			data-enhanced={acceptsDrops ? 'true' : undefined}
			className={`rounded-xl border-2 border-dashed bg-white p-4 shadow-sm sm:p-6 ${
				dragging ? 'border-indigo-600 bg-indigo-50' : 'border-zinc-300'
			}`}
		>
			<h1 id="upload-heading" className="text-xl font-semibold">
				Upload images
			</h1>
			<p className="mt-1 text-sm text-zinc-600">
				Choose files, drag them anywhere onto this page, or paste an image. JPEG, PNG, WebP, TIFF,
				GIF, AVIF or HEIC, up to {formatBytes(maxUploadBytes)} each.
			</p>
			<form
				method="post"
				encType="multipart/form-data"
				className="mt-4 flex flex-wrap items-center gap-3"
			>
				<label htmlFor="file" className="sr-only">
					Image file
				</label>
				<input
					ref={fileInput}
					id="file"
					name="file"
					type="file"
					multiple
					accept="image/*,.heic,.heif"
					required
					className="block max-w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-2 file:text-sm file:font-medium hover:file:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-indigo-600"
				/>
				{/* With JavaScript, choosing starts the upload: the button is for the plain form only. */}
				{acceptsDrops ? null : (
					<button type="submit" className={buttonClass} disabled={uploading}>
						{uploading ? 'Uploading…' : 'Upload'}
					</button>
				)}
			</form>
			<UploadQueueList
				uploads={queue.uploads}
				onRetry={queue.retry}
				onDismiss={queue.dismiss}
				onClearFinished={queue.clearFinished}
			/>
			{outcomes ? <UploadOutcomes outcomes={outcomes} /> : null}
			{error ? (
				<div className="mt-4">
					<Alert>{error}</Alert>
				</div>
			) : null}
		</section>
	)
}

/** Files chosen in the input join the queue at once, no second click; the input is emptied for the next choice. */
function useChosenFilesQueued(add: (files: Iterable<File>) => void) {
	const fileInput = useRef<HTMLInputElement>(null)
	useEffect(() => {
		const input = fileInput.current
		if (!input) return
		const queueChosen = () => {
			if (!input.files?.length) return
			add(input.files)
			input.value = ''
		}
		// Files chosen before hydration, when no listener was there yet.
		queueChosen()
		input.addEventListener('change', queueChosen)
		return () => input.removeEventListener('change', queueChosen)
	}, [add])
	return fileInput
}

/** Files dropped anywhere on the page, or pasted, join the upload queue; true once listening. */
function usePageDrops(add: (files: Iterable<File>) => void, setDragging: (on: boolean) => void) {
	const [listening, setListening] = useState(false)
	useEffect(() => {
		const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false
		let depth = 0
		const onDragEnter = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			depth++
			setDragging(true)
		}
		const onDragLeave = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			depth = Math.max(0, depth - 1)
			if (depth === 0) setDragging(false)
		}
		const onDragOver = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			// Without this the browser would open the file and leave the app.
			event.preventDefault()
			if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
		}
		const onDrop = (event: DragEvent) => {
			depth = 0
			setDragging(false)
			const files = event.dataTransfer?.files
			if (!files?.length) return
			event.preventDefault()
			add(files)
		}
		const onPaste = (event: ClipboardEvent) => {
			const files = [...(event.clipboardData?.files ?? [])].filter((file) =>
				file.type.startsWith('image/'),
			)
			if (files.length === 0) return
			event.preventDefault()
			add(files)
		}
		document.addEventListener('dragenter', onDragEnter)
		document.addEventListener('dragleave', onDragLeave)
		document.addEventListener('dragover', onDragOver)
		document.addEventListener('drop', onDrop)
		document.addEventListener('paste', onPaste)
		setListening(true)
		return () => {
			document.removeEventListener('dragenter', onDragEnter)
			document.removeEventListener('dragleave', onDragLeave)
			document.removeEventListener('dragover', onDragOver)
			document.removeEventListener('drop', onDrop)
			document.removeEventListener('paste', onPaste)
		}
	}, [add, setDragging])
	return listening
}

/** The plain form's result when something was refused: what was stored, apart from what was not and why. */
function UploadOutcomes({ outcomes }: { outcomes: BatchOutcome[] }) {
	const stored = outcomes.flatMap((o) => ('imageId' in o ? [o] : []))
	const refused = outcomes.flatMap((o) => ('error' in o ? [o] : []))
	return (
		<div className="mt-4 space-y-3" data-testid="upload-outcomes">
			{refused.length ? (
				<Alert>
					<h2 className="font-medium">Refused ({refused.length})</h2>
					<ul className="mt-1 list-disc space-y-1 pl-5" data-testid="upload-refused">
						{refused.map((outcome, index) => (
							<li key={index}>
								<span className="font-medium wrap-anywhere">{outcome.filename}</span>:{' '}
								{outcome.error}
								{outcome.duplicateOf ? (
									<>
										{' '}
										<a href={`/images/${outcome.duplicateOf}`} className="underline">
											Open the image you already have
										</a>
									</>
								) : null}
							</li>
						))}
					</ul>
				</Alert>
			) : null}
			{stored.length ? (
				<div className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
					<h2 className="font-medium">Stored ({stored.length})</h2>
					<ul className="mt-1 list-disc space-y-1 pl-5" data-testid="upload-stored">
						{stored.map((outcome) => (
							<li key={outcome.imageId}>
								<a href={`/images/${outcome.imageId}`} className="wrap-anywhere underline">
									{outcome.filename}
								</a>
							</li>
						))}
					</ul>
				</div>
			) : null}
		</div>
	)
}
