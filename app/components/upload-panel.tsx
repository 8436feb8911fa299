import { useLocation } from '@remix-run/react'
import { useState } from 'react'
import { createPortal } from 'react-dom'
import { UploadRows } from '#app/components/upload-queue-list'
import { isInFlight, queueSummary, useUploadQueueContext } from '#app/components/upload-queue'

/**
 * Uploads on their way while the user is on another page: a small panel in
 * the bottom corner (the gallery shows the full queue under its upload box).
 * Collapsed to one line and a bar so it covers little on a phone; the rows
 * open on demand. Dismissable once nothing is in flight. Rendered at the end
 * of <body> (it only exists client-side: uploads need JavaScript), after the
 * footer, with room below the footer so the page can be scrolled clear of it.
 */
export function UploadPanel() {
	const { uploads, retry, dismiss, clearFinished } = useUploadQueueContext()
	const { pathname } = useLocation()
	const [open, setOpen] = useState(false)
	if (uploads.length === 0 || pathname === '/images') return null

	const inFlight = uploads.some(isInFlight)
	const sent = uploads.reduce((sum, u) => sum + (u.state === 'uploaded' ? u.total : u.sent), 0)
	const total = uploads.reduce((sum, u) => sum + u.total, 0)
	return createPortal(
		<>
			{/* Room at the end of the page, so the panel never hides its last lines. */}
			<div aria-hidden="true" className="h-20" />
			<section
				aria-labelledby="upload-panel-heading"
				data-testid="upload-panel"
				className="fixed inset-x-2 bottom-2 z-40 rounded-lg border border-zinc-200 bg-white p-3 shadow-lg sm:inset-x-auto sm:right-4 sm:bottom-4 sm:w-96"
			>
				<div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
					<h2 id="upload-panel-heading" className="font-semibold">
						Uploads
					</h2>
					<p role="status" aria-live="polite" className="flex-1" data-testid="upload-panel-summary">
						{queueSummary(uploads)}
					</p>
					<button
						type="button"
						aria-expanded={open}
						aria-controls="upload-panel-rows"
						onClick={() => setOpen(!open)}
						className="underline focus-visible:outline-2 focus-visible:outline-indigo-600"
					>
						{open ? 'Hide files' : 'Show files'}
					</button>
					{inFlight ? null : (
						<button
							type="button"
							onClick={clearFinished}
							className="underline focus-visible:outline-2 focus-visible:outline-indigo-600"
						>
							Dismiss
						</button>
					)}
				</div>
				<progress
					aria-label="All uploads"
					max={total || 1}
					value={sent}
					className="mt-2 block h-2 w-full overflow-hidden rounded accent-indigo-600"
				/>
				{/* Scrolls within itself on a short screen; focusable so the keyboard can scroll it. */}
				<div
					id="upload-panel-rows"
					role="region"
					aria-label="Upload files"
					tabIndex={0}
					hidden={!open}
					className="mt-1 max-h-[40vh] overflow-y-auto"
				>
					<UploadRows uploads={uploads} onRetry={retry} onDismiss={dismiss} />
				</div>
			</section>
		</>,
		document.body,
	)
}
