import { Form, useFetcher } from '@remix-run/react'
import { Time } from '#app/components/time'
import { Alert, buttonClass, secondaryButtonClass } from '#app/components/ui'
import type { WebhookResult, WebhookView } from '#app/routes/_app.settings.webhooks/results'
import { DeliveryLog } from './delivery-log'
import { EditWebhook } from './edit-webhook'
import { badgeClass, deliveryStyles, focusRing } from './styles'

/**
 * One webhook: its state, controls and delivery log. The controls are plain
 * forms; with JavaScript they submit through a fetcher (no navigation) and
 * the page's data reloads after. `result` is the answer to a plain form post.
 */
export function WebhookCard({ webhook, result }: { webhook: WebhookView; result?: WebhookResult }) {
	const fetcher = useFetcher<WebhookResult>()
	const latest = (fetcher.data as WebhookResult | undefined) ?? result
	// A resend answers in its own row.
	const shown = latest?.intent === 'resend' ? undefined : latest
	const submitting = fetcher.state !== 'idle'
	return (
		<li
			data-testid="webhook"
			className="space-y-4 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm"
		>
			<div className="flex flex-wrap items-start justify-between gap-3">
				<div className="min-w-0 space-y-1">
					<h3 className="font-mono text-sm font-medium break-all">{webhook.url}</h3>
					{webhook.description ? (
						<p className="text-sm text-zinc-700">{webhook.description}</p>
					) : null}
					<p className="text-xs text-zinc-600">
						{webhook.events.join(', ')} · added <Time iso={webhook.createdAt} />
					</p>
					<WebhookState webhook={webhook} />
					<div role="status" aria-live="polite">
						{shown && 'message' in shown ? (
							<p className="text-sm text-sky-900">{shown.message}</p>
						) : null}
					</div>
				</div>
				<div className="flex flex-wrap gap-2">
					<fetcher.Form method="post">
						<input type="hidden" name="id" value={webhook.id} />
						{webhook.enabled ? (
							<>
								<button
									type="submit"
									name="intent"
									value="test"
									disabled={submitting}
									className={`${secondaryButtonClass} ${focusRing}`}
								>
									Send test event
								</button>{' '}
								<button
									type="submit"
									name="intent"
									value="disable"
									disabled={submitting}
									className={`${secondaryButtonClass} ${focusRing}`}
								>
									Disable<span className="sr-only"> webhook {webhook.url}</span>
								</button>
							</>
						) : (
							<button
								type="submit"
								name="intent"
								value="enable"
								disabled={submitting}
								className={buttonClass}
							>
								Enable<span className="sr-only"> webhook {webhook.url}</span>
							</button>
						)}
					</fetcher.Form>
					<Form method="post">
						<input type="hidden" name="id" value={webhook.id} />
						<button
							type="submit"
							name="intent"
							value="delete"
							className={`${secondaryButtonClass} text-red-700 ${focusRing}`}
							aria-label={`Delete webhook ${webhook.url}`}
						>
							Delete
						</button>
					</Form>
				</div>
			</div>
			{shown && 'error' in shown && shown.intent !== 'edit' ? <Alert>{shown.error}</Alert> : null}
			<EditWebhook
				webhook={webhook}
				fetcher={fetcher}
				refused={shown?.intent === 'edit' && 'error' in shown ? shown : undefined}
			/>
			<DeliveryLog webhook={webhook} resent={latest?.intent === 'resend' ? latest : undefined} />
		</li>
	)
}

function WebhookState({ webhook }: { webhook: WebhookView }) {
	if (webhook.enabled) {
		return (
			<p className="text-sm" data-testid="webhook-state">
				<span className={`${badgeClass} ${deliveryStyles.succeeded}`}>Enabled</span>
			</p>
		)
	}
	return (
		<div className="space-y-1 text-sm" data-testid="webhook-state">
			<p>
				<span className={`${badgeClass} ${deliveryStyles.failed}`}>Disabled</span>{' '}
				{webhook.disabledAt ? (
					<span className="text-zinc-700">
						since <Time iso={webhook.disabledAt} />
					</span>
				) : null}
			</p>
			{webhook.disabledReason ? <p className="text-zinc-700">{webhook.disabledReason}</p> : null}
			<p className="text-zinc-600">
				No events are recorded for it. Enable it to receive events and resend failed deliveries.
			</p>
		</div>
	)
}
