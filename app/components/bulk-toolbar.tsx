import { Form, useLocation, useNavigation } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { DeleteConfirm, deleteImagesText } from '#app/components/delete-confirm'
import { secondaryButtonClass } from '#app/components/ui'

const CHECKED = 'input[form="bulk"][name="id"]:checked'

/**
 * Acts on the checked cards (their checkboxes belong to this form through
 * form="bulk"). Delete follows the one delete pattern: a confirmation page
 * without JavaScript (the form sent as a GET to /images/delete), a dialog with it.
 */
export function BulkToolbar({ trashDays, itemsKey }: { trashDays: number; itemsKey: string }) {
	const [selected, setSelected] = useState<number | null>(null)
	const navigation = useNavigation()
	const { pathname, search } = useLocation()
	const busy = navigation.state === 'submitting' && navigation.formData?.has('intent')

	useEffect(() => {
		const count = () => setSelected(document.querySelectorAll(CHECKED).length)
		count()
		document.addEventListener('change', count)
		return () => document.removeEventListener('change', count)
	}, [itemsKey])

	const back = `${pathname}${search}`
	const checkedIds = () =>
		[...document.querySelectorAll<HTMLInputElement>(CHECKED)].map((box) => box.value)

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
				<input type="hidden" name="back" value={back} />
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
					value="share"
					// On a phone an image's own page shares it: two fewer stops before the photos.
					className={`${secondaryButtonClass} max-sm:hidden`}
					disabled={busy || selected === 0}
				>
					Share with team
				</button>
				<button
					type="submit"
					name="intent"
					value="unshare"
					className={`${secondaryButtonClass} max-sm:hidden`}
					disabled={busy || selected === 0}
				>
					Make private
				</button>
				<DeleteConfirm
					label="Delete selected"
					// None ticked: no dialog; the confirmation page says to tick some.
					fields={() => {
						const ids = checkedIds().map((id): [string, string] => ['id', id])
						return ids.length > 0 ? [...ids, ['back', back]] : []
					}}
					postAction="/images/delete"
					text={(fields) => deleteImagesText(fields.length - 1, trashDays)}
					disabled={busy || selected === 0}
					getAction="/images/delete"
				/>
				<AddToAlbum disabled={busy || selected === 0} />
			</Form>
		</div>
	)
}

/**
 * "Add to album…": the form sent as a GET to /albums/add, which asks which
 * album (or a new one's title) for the checked images. One Tab stop here.
 */
function AddToAlbum({ disabled }: { disabled: boolean }) {
	return (
		<button
			type="submit"
			formMethod="get"
			formAction="/albums/add"
			// Hidden on a phone, like sharing: fewer Tab stops before the photos.
			className={`${secondaryButtonClass} max-sm:hidden`}
			disabled={disabled}
		>
			Add to album…
		</button>
	)
}
