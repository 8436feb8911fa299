import { Form, Link, useNavigation } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { secondaryButtonClass } from '~/components/ui'
import { plural } from '~/format'

/**
 * Acts on the checked cards (their checkboxes belong to this form through
 * form="bulk"). Deleting asks first: the server answers the first submit with
 * a confirmation, so it works the same without JavaScript.
 */
export function BulkToolbar({
	confirmIds,
	itemsKey,
}: {
	confirmIds: string[] | null
	itemsKey: string
}) {
	const [selected, setSelected] = useState<number | null>(null)
	const confirmButton = useRef<HTMLButtonElement>(null)
	const navigation = useNavigation()
	const busy = navigation.state === 'submitting' && navigation.formData?.has('intent')

	useEffect(() => {
		const count = () =>
			setSelected(document.querySelectorAll('input[form="bulk"][name="id"]:checked').length)
		count()
		document.addEventListener('change', count)
		return () => document.removeEventListener('change', count)
	}, [itemsKey])
	useEffect(() => {
		if (confirmIds) confirmButton.current?.focus()
	}, [confirmIds])

	return (
		<div className="mt-4 space-y-3">
			<Form
				id="bulk"
				method="post"
				aria-label="Selected images"
				className="flex flex-wrap items-center gap-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-sm"
			>
				<span className="mr-auto text-zinc-700" aria-live="polite" data-testid="selected-count">
					{selected === null ? 'Tick images to act on several at once.' : `${selected} selected`}
				</span>
				<button
					type="submit"
					name="intent"
					value="reprocess"
					className={secondaryButtonClass}
					disabled={busy || selected === 0}
				>
					Re-process selected
				</button>
				<button
					type="submit"
					name="intent"
					value="delete"
					className="inline-flex items-center justify-center rounded-md border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-800 shadow-sm hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-60"
					disabled={busy || selected === 0}
				>
					Delete selected
				</button>
			</Form>
			{confirmIds ? (
				<Form
					method="post"
					role="group"
					aria-labelledby="confirm-delete-heading"
					className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900"
					data-testid="confirm-delete"
				>
					<h3 id="confirm-delete-heading" className="font-semibold">
						Delete {plural(confirmIds.length)}?
					</h3>
					<p className="mt-1">The images and all their files are removed for good.</p>
					{confirmIds.map((id) => (
						<input key={id} type="hidden" name="id" value={id} />
					))}
					<div className="mt-3 flex flex-wrap gap-2">
						<button
							ref={confirmButton}
							type="submit"
							name="intent"
							value="delete-confirmed"
							className="inline-flex items-center justify-center rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
						>
							Yes, delete {plural(confirmIds.length)}
						</button>
						<Link to="." className={secondaryButtonClass}>
							Cancel
						</Link>
					</div>
				</Form>
			) : null}
		</div>
	)
}
