import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requirePageUser } from '#app/auth/auth.server'
import { SecretOnce } from '#app/components/secret-once'
import { usePoll } from '#app/components/use-poll'
import { Alert } from '#app/components/ui'
import {
	listDeliveries,
	listWebhooks,
	MAX_WEBHOOKS_PER_USER,
	presentDelivery,
	presentWebhook,
} from '#app/webhooks/webhooks.server'
import { AddWebhookForm } from './components/add-webhook-form'
import { focusRing } from './components/styles'
import { WebhookCard } from './components/webhook-card'
import type { ActionResult } from './results'

export { action } from './action.server'

export const meta: MetaFunction = () => [{ title: 'Webhooks · Settings · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const rows = await listWebhooks(user.id)
	const webhooks = await Promise.all(
		rows.map(async (row) => ({
			...presentWebhook(row),
			deliveries: (await listDeliveries(row.id)).map(presentDelivery),
		})),
	)
	return { webhooks, max: MAX_WEBHOOKS_PER_USER }
}

export default function WebhookSettings() {
	const { webhooks, max } = useLoaderData<typeof loader>()
	// A delivery still being attempted shows its outcome when it lands.
	const delivering = webhooks.some((webhook) =>
		webhook.deliveries.some(
			(delivery) => delivery.status === 'pending' || delivery.status === 'retrying',
		),
	)
	usePoll(delivering, 3000)
	const result = useActionData<ActionResult>()
	const busy = useNavigation().state === 'submitting'
	const created = result && 'secret' in result ? result : undefined
	const createRefused = result?.intent === 'create' && 'error' in result ? result : undefined
	const deleteAnswer = result?.intent === 'delete' ? result : undefined
	// Without JavaScript a webhook's own form posts here; its card shows the answer.
	const webhookResult = result && 'webhookId' in result ? result : undefined
	return (
		<div className="space-y-8">
			<div className="space-y-2">
				<h2 className="text-lg font-semibold">Webhooks</h2>
				<p className="text-sm text-zinc-600">
					Darkroom POSTs a signed JSON event to your endpoint when one of your images completes,
					fails or is deleted. Signatures follow{' '}
					<a
						href="https://www.standardwebhooks.com"
						className={`text-indigo-700 underline ${focusRing}`}
					>
						Standard Webhooks
					</a>{' '}
					(<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>
					); failed deliveries are retried with backoff, 8 attempts in all. A webhook whose
					deliveries keep failing is disabled until you enable it again.
				</p>
			</div>

			<div role="status" aria-live="polite">
				{/* Not an Alert: this whole region is already the live status. */}
				{deleteAnswer && 'message' in deleteAnswer ? (
					<p className="rounded-md border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900">
						{deleteAnswer.message}
					</p>
				) : null}
				{created ? (
					<SecretOnce
						heading={`Webhook added for ${created.url}`}
						secret={created.secret}
						copyLabel="Copy secret"
						testId="new-webhook"
					>
						Its signing secret is shown only this once: copy it now to verify deliveries.
					</SecretOnce>
				) : null}
			</div>
			{deleteAnswer && 'error' in deleteAnswer ? <Alert>{deleteAnswer.error}</Alert> : null}

			<AddWebhookForm
				// A new form once a webhook is added, so the fields are empty for the next one.
				key={created?.secret ?? 'new'}
				refused={createRefused}
				busy={busy}
				full={webhooks.length >= max}
				used={webhooks.length}
				max={max}
			/>

			{webhooks.length === 0 ? (
				<p className="text-zinc-600">No webhooks yet.</p>
			) : (
				<ul className="space-y-6" aria-label="Your webhooks">
					{webhooks.map((webhook) => (
						<WebhookCard
							key={webhook.id}
							webhook={webhook}
							result={webhookResult?.webhookId === webhook.id ? webhookResult : undefined}
						/>
					))}
				</ul>
			)}
		</div>
	)
}
