import type { useFetcher } from '@remix-run/react'
import { Alert, buttonClass, Field } from '#app/components/ui'
import type { FormRefusal } from '#app/forms.server'
import type { WebhookValues, WebhookView } from '#app/routes/_app.settings.webhooks/results'
import { EventChoices } from './event-choices'
import { focusRing } from './styles'

/**
 * The edit form, folded away in a disclosure (no JavaScript needed). It opens
 * with the errors of a refused edit, and starts afresh (closed, with the new
 * values) once the webhook has changed.
 */
export function EditWebhook({
	webhook,
	fetcher,
	refused,
}: {
	webhook: WebhookView
	fetcher: ReturnType<typeof useFetcher>
	refused?: FormRefusal<WebhookValues>
}) {
	const idPrefix = `edit-${webhook.id}`
	const values = refused?.values
	const fieldErrors = refused?.fieldErrors ?? {}
	return (
		<details
			key={`${webhook.url} ${webhook.events.join()} ${webhook.description}`}
			open={Boolean(refused)}
			className="rounded-md border border-zinc-200 px-4 py-2"
		>
			<summary className={`cursor-pointer text-sm font-medium ${focusRing}`}>
				Edit<span className="sr-only"> webhook {webhook.url}</span>
			</summary>
			<fetcher.Form method="post" className="mt-3 space-y-4 pb-2">
				<input type="hidden" name="id" value={webhook.id} />
				{refused ? (
					<Alert>
						{Object.keys(fieldErrors).length > 0
							? 'The webhook was not changed: see the fields below.'
							: refused.error}
					</Alert>
				) : null}
				<Field
					label="Endpoint URL"
					name="url"
					id={`${idPrefix}-url`}
					type="url"
					required
					defaultValue={values?.url ?? webhook.url}
					error={fieldErrors.url}
				/>
				<EventChoices
					idPrefix={idPrefix}
					checked={values?.events ?? webhook.events}
					error={fieldErrors.events}
				/>
				<Field
					label="Description (optional)"
					name="description"
					id={`${idPrefix}-description`}
					maxLength={200}
					defaultValue={values?.description ?? webhook.description ?? ''}
					error={fieldErrors.description}
				/>
				<button
					type="submit"
					name="intent"
					value="edit"
					disabled={fetcher.state !== 'idle'}
					className={buttonClass}
				>
					Save changes
				</button>
			</fetcher.Form>
		</details>
	)
}
