import { useFetcher } from '@remix-run/react'
import { Time } from '#app/components/time'
import { secondaryButtonClass, TableScroll } from '#app/components/ui'
import type {
	DeliveryView,
	WebhookResult,
	WebhookView,
} from '#app/routes/_app.settings.webhooks/results'
import { badgeClass, deliveryStyles, focusRing } from './styles'

export function DeliveryLog({ webhook, resent }: { webhook: WebhookView; resent?: WebhookResult }) {
	const { deliveries, url } = webhook
	if (deliveries.length === 0) {
		return <p className="text-sm text-zinc-600">No deliveries yet.</p>
	}
	return (
		<TableScroll label={`Deliveries to ${url}`}>
			<table className="w-full text-left text-sm">
				<caption className="sr-only">Latest deliveries to {url}</caption>
				<thead className="text-zinc-600">
					<tr>
						<th className="py-2 pr-3 font-medium">Time</th>
						<th className="py-2 pr-3 font-medium">Event</th>
						<th className="py-2 pr-3 font-medium">Status</th>
						<th className="py-2 pr-3 text-right font-medium">HTTP</th>
						<th className="py-2 pr-3 text-right font-medium">Attempts</th>
						<th className="py-2 pr-3 font-medium">Error</th>
						<th className="py-2 font-medium">
							<span className="sr-only">Actions</span>
						</th>
					</tr>
				</thead>
				<tbody>
					{deliveries.map((delivery) => (
						<tr key={delivery.id} className="border-t border-zinc-200 align-top">
							<td className="py-2 pr-3 whitespace-nowrap">
								<Time iso={delivery.createdAt} />
							</td>
							<td className="py-2 pr-3 font-mono text-xs">{delivery.eventType}</td>
							<td className="py-2 pr-3">
								<span
									data-status={delivery.status}
									className={`${badgeClass} ${deliveryStyles[delivery.status]}`}
								>
									{delivery.status}
								</span>
							</td>
							<td className="py-2 pr-3 text-right">{delivery.responseStatus ?? '–'}</td>
							<td className="py-2 pr-3 text-right">{delivery.attempts}</td>
							<td className="py-2 pr-3 break-words text-zinc-700">{delivery.error ?? ''}</td>
							<td className="py-2 text-right">
								{delivery.status === 'failed' && webhook.enabled ? (
									<ResendButton
										webhookId={webhook.id}
										delivery={delivery}
										result={resent?.deliveryId === delivery.id ? resent : undefined}
									/>
								) : null}
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</TableScroll>
	)
}

/** Sends a failed delivery's event again; its answer shows beside it. */
function ResendButton({
	webhookId,
	delivery,
	result,
}: {
	webhookId: string
	delivery: DeliveryView
	result?: WebhookResult
}) {
	const fetcher = useFetcher<WebhookResult>()
	const answer = (fetcher.data as WebhookResult | undefined) ?? result
	return (
		<fetcher.Form method="post" className="flex flex-col items-end gap-1">
			<input type="hidden" name="id" value={webhookId} />
			<input type="hidden" name="deliveryId" value={delivery.id} />
			<button
				type="submit"
				name="intent"
				value="resend"
				disabled={fetcher.state !== 'idle'}
				className={`${secondaryButtonClass} py-1 ${focusRing}`}
			>
				Resend
				<span className="sr-only">
					{' '}
					{delivery.eventType} of <Time iso={delivery.createdAt} />
				</span>
			</button>
			<span role="status" className="text-xs text-zinc-700">
				{answer && 'message' in answer ? answer.message : undefined}
			</span>
			{answer && 'error' in answer ? (
				<span role="alert" className="text-xs text-red-700">
					{answer.error}
				</span>
			) : null}
		</fetcher.Form>
	)
}
