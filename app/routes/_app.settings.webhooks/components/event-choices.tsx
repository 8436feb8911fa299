import { webhookEventTypes } from '#db/statuses'
import { focusRing } from './styles'

const eventLabels: Record<string, string> = {
	'image.completed': 'Image completed (or partial)',
	'image.failed': 'Image failed',
	'image.deleted': 'Image deleted',
}

/** The event checkboxes of the add and edit forms; `checked` undefined means all. */
export function EventChoices({
	idPrefix,
	checked,
	error,
}: {
	idPrefix: string
	checked?: readonly string[]
	error?: string
}) {
	const errorId = `${idPrefix}-events-error`
	return (
		<fieldset aria-describedby={error ? errorId : undefined}>
			<legend className="text-sm font-medium text-zinc-700">Events</legend>
			<div className="mt-1 flex flex-wrap gap-4">
				{webhookEventTypes.map((event) => (
					<label key={event} className="flex items-center gap-2 text-sm">
						<input
							type="checkbox"
							name="events"
							value={event}
							defaultChecked={checked ? checked.includes(event) : true}
							className={focusRing}
						/>
						{eventLabels[event]}
					</label>
				))}
			</div>
			{error ? (
				<p id={errorId} className="mt-1 text-sm text-red-700">
					{error}
				</p>
			) : null}
		</fieldset>
	)
}
