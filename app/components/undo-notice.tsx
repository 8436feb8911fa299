import { Form, Link, useLocation, useNavigation } from '@remix-run/react'
import { secondaryButtonClass } from '#app/components/ui'
import { plural } from '#app/format'
import { withoutNotice } from '#app/images/undo'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * After a delete: "Moved N images to the trash" with Undo, read from the URL
 * (`?undo=<ids>`) so it stays until dismissed; Undo restores them (the Trash
 * page's action) and returns to this page without the notice.
 */
export function UndoNotice() {
	const { pathname, search } = useLocation()
	const params = new URLSearchParams(search)
	const ids = (params.get('undo') ?? '').split(',').filter((id) => UUID.test(id))
	const deleted = Number(params.get('deleted') ?? 0)
	const busy = useNavigation().formData?.get('intent') === 'restore'
	if (ids.length === 0 && !(deleted > 0)) return null
	const back = withoutNotice(pathname, search)
	return (
		<div
			role="status"
			className="mt-4 flex flex-wrap items-center gap-3 rounded-md border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900"
			data-testid="undo-notice"
		>
			<p className="mr-auto">
				{ids.length > 0
					? `Moved ${plural(ids.length)} to the trash.`
					: `Deleted ${plural(deleted)} for good.`}
			</p>
			{ids.length > 0 ? (
				<Form method="post" action="/trash">
					<input type="hidden" name="intent" value="restore" />
					<input type="hidden" name="back" value={back} />
					{ids.map((id) => (
						<input key={id} type="hidden" name="id" value={id} />
					))}
					<button type="submit" className={secondaryButtonClass} disabled={busy}>
						Undo
					</button>
				</Form>
			) : null}
			<Link to={back} className="underline" replace preventScrollReset>
				Dismiss
			</Link>
		</div>
	)
}
