import { Form } from '@remix-run/react'
import { useEffect, useId, useRef, useState } from 'react'
import { createPortal } from 'react-dom'
import { secondaryButtonClass } from '#app/components/ui'

export const dangerButtonClass =
	'inline-flex items-center justify-center rounded-md border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-800 shadow-sm hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60'

const confirmButtonClass =
	'inline-flex items-center justify-center rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600'

/** What the dialog (and the matching confirmation page) says. */
export type ConfirmText = { title: string; body: string; confirm: string }

/**
 * The one delete pattern (decision 015). The trigger submits its form as a GET
 * to a confirmation page, which works without JavaScript; once the page runs,
 * the click opens a dialog instead that posts the same fields to `postAction`.
 * Either way the confirmed delete lands on a page with an Undo notice.
 */
export function DeleteConfirm({
	label,
	fields,
	postAction,
	text,
	disabled,
	getAction,
	className = dangerButtonClass,
}: {
	label: string
	/** The fields to post, read at the click (a bulk form's checked boxes); none: no dialog, the page explains. */
	fields: () => [string, string][]
	postAction: string
	text: (fields: [string, string][]) => ConfirmText
	disabled?: boolean
	/** The confirmation page, when the surrounding form is not already a GET to it. */
	getAction?: string
	className?: string
}) {
	const dialog = useRef<HTMLDialogElement>(null)
	const confirmButton = useRef<HTMLButtonElement>(null)
	const [chosen, setChosen] = useState<[string, string][] | null>(null)
	const [mounted, setMounted] = useState(false)
	const headingId = useId()
	useEffect(() => setMounted(true), [])
	useEffect(() => {
		if (!chosen || dialog.current?.open) return
		dialog.current?.showModal()
		// On the answer, as the confirmation page does; Escape and Cancel keep everything.
		confirmButton.current?.focus()
	}, [chosen])

	const shown = chosen ? text(chosen) : null
	return (
		<>
			<button
				type="submit"
				className={className}
				disabled={disabled}
				formMethod={getAction ? 'get' : undefined}
				formAction={getAction}
				onClick={(event) => {
					const picked = fields()
					if (picked.length === 0) return
					event.preventDefault()
					setChosen(picked)
				}}
			>
				{label}
			</button>
			{/* In a portal: the trigger may sit inside another form, and forms must not nest. */}
			{mounted && chosen && shown
				? createPortal(
						<dialog
							ref={dialog}
							aria-labelledby={headingId}
							onClose={() => setChosen(null)}
							className="m-auto w-[min(28rem,calc(100%-2rem))] rounded-lg border border-zinc-300 bg-white p-5 text-sm text-zinc-900 shadow-xl backdrop:bg-black/40"
							data-testid="delete-dialog"
						>
							<Form method="post" action={postAction} onSubmit={() => dialog.current?.close()}>
								<h2 id={headingId} className="text-base font-semibold">
									{shown.title}
								</h2>
								<p className="mt-2">{shown.body}</p>
								{chosen.map(([name, value]) => (
									<input key={`${name}=${value}`} type="hidden" name={name} value={value} />
								))}
								<div className="mt-4 flex flex-wrap justify-end gap-2">
									<button
										type="button"
										className={secondaryButtonClass}
										onClick={() => dialog.current?.close()}
									>
										Cancel
									</button>
									<button type="submit" className={confirmButtonClass} ref={confirmButton}>
										{shown.confirm}
									</button>
								</div>
							</Form>
						</dialog>,
						document.body,
					)
				: null}
		</>
	)
}

/** The text for deleting images, shared by the dialog and the no-JavaScript confirmation page. */
export function deleteImagesText(count: number, trashDays: number): ConfirmText {
	const what = count === 1 ? 'this image' : `${count} images`
	return trashDays === 0
		? {
				title: `Delete ${what}?`,
				body: 'The images and all their files are removed for good.',
				confirm: `Delete ${what}`,
			}
		: {
				title: `Move ${what} to the trash?`,
				body: `You can undo this, or restore ${count === 1 ? 'it' : 'them'} from the Trash within ${trashDays} ${trashDays === 1 ? 'day' : 'days'}.`,
				confirm: `Move to trash`,
			}
}
