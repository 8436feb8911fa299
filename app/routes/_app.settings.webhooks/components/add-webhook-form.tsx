import { Form } from '@remix-run/react'
import { Alert, buttonClass, Field } from '#app/components/ui'
import type { FormRefusal } from '#app/forms.server'
import type { WebhookValues } from '#app/routes/_app.settings.webhooks/results'
import { EventChoices } from './event-choices'

/** Adds a webhook; a refused one comes back with its errors and what was typed. */
export function AddWebhookForm({
	refused,
	busy,
	full,
	used,
	max,
}: {
	refused?: FormRefusal<WebhookValues>
	busy: boolean
	full: boolean
	used: number
	max: number
}) {
	return (
		<Form
			method="post"
			className="space-y-4 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm"
			aria-labelledby="add-webhook-heading"
		>
			<h3 id="add-webhook-heading" className="font-medium">
				Add a webhook
			</h3>
			{refused ? (
				<Alert>
					{Object.keys(refused.fieldErrors).length > 0
						? 'The webhook was not added: see the fields below.'
						: refused.error}
				</Alert>
			) : null}
			<input type="hidden" name="intent" value="create" />
			<Field
				label="Endpoint URL (https)"
				name="url"
				id="webhook-url"
				type="url"
				required
				placeholder="https://example.com/hooks/darkroom"
				defaultValue={refused?.values.url}
				error={refused?.fieldErrors.url}
			/>
			<EventChoices
				idPrefix="webhook"
				checked={refused?.values.events}
				error={refused?.fieldErrors.events}
			/>
			<Field
				label="Description (optional)"
				name="description"
				id="webhook-description"
				maxLength={200}
				defaultValue={refused?.values.description}
				error={refused?.fieldErrors.description}
			/>
			<div className="flex items-center gap-3">
				<button type="submit" className={buttonClass} disabled={busy || full}>
					Add webhook
				</button>
				<p className="text-sm text-zinc-600">
					{used} of {max} webhooks used.
				</p>
			</div>
		</Form>
	)
}
