import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { webhookEventTypes, type WebhookDeliveryStatus } from '../../db/statuses'
import { requirePageUser } from '~/auth/auth.server'
import { SecretOnce } from '~/components/secret-once'
import { usePoll } from '~/components/use-poll'
import { Alert, buttonClass, Field, secondaryButtonClass } from '~/components/ui'
import { AppError } from '~/errors'
import { parseInput } from '~/http/input.server'
import { limitRequest } from '~/http/rate-limit.server'
import {
	createWebhook,
	createWebhookSchema,
	deleteWebhook,
	listDeliveries,
	listWebhooks,
	MAX_WEBHOOKS_PER_USER,
	presentDelivery,
	presentWebhook,
	sendTestEvent,
} from '~/webhooks/webhooks.server'

export const meta: MetaFunction = () => [{ title: 'Webhooks · Settings · Darkroom' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const { user } = await requirePageUser(request)
	const rows = await listWebhooks(user.id)
	const webhooks = await Promise.all(
		rows.map(async (row) => ({
			...presentWebhook(row),
			deliveries: (await listDeliveries(row.id)).map(presentDelivery),
		})),
	)
	return { webhooks, max: MAX_WEBHOOKS_PER_USER }
}

type ActionResult =
	| { intent: 'create'; secret: string; url: string }
	| { intent: 'create'; error: string; fieldErrors: Record<string, string>; url: string }
	| { intent: 'delete' | 'test'; message: string }
	| { intent: 'delete' | 'test'; error: string }

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args.request)
	const form = await args.request.formData()
	const intent = form.get('intent')
	const id = String(form.get('id') ?? '')
	try {
		if (intent === 'delete') {
			await deleteWebhook(user.id, id)
			return { intent, message: 'Webhook deleted.' } satisfies ActionResult
		}
		if (intent === 'test') {
			await limitRequest(args, 'process', user.id)
			await sendTestEvent(user.id, id)
			return {
				intent,
				message: 'Test event queued; reload to see its delivery below.',
			} satisfies ActionResult
		}
	} catch (error) {
		if (!(error instanceof AppError)) throw error
		return data({ intent, error: error.message } as ActionResult, { status: error.status })
	}
	const url = String(form.get('url') ?? '')
	try {
		await limitRequest(args, 'process', user.id)
		const input = parseInput(createWebhookSchema, {
			url,
			events: form.getAll('events'),
			description: String(form.get('description') ?? '') || undefined,
		})
		const { secret } = await createWebhook(user.id, input)
		return { intent: 'create', secret, url } satisfies ActionResult
	} catch (error) {
		if (!(error instanceof AppError)) throw error
		const fieldErrors: Record<string, string> = {}
		for (const { path, message } of error.errors ?? []) {
			const field = path.split('.')[0]!
			fieldErrors[field] ??= field === 'events' ? 'Choose at least one known event.' : message
		}
		return data({ intent: 'create', error: error.message, fieldErrors, url } as ActionResult, {
			status: error.status,
		})
	}
}

const eventLabels: Record<string, string> = {
	'image.completed': 'Image completed (or partial)',
	'image.failed': 'Image failed',
	'image.deleted': 'Image deleted',
}

const deliveryStyles: Record<WebhookDeliveryStatus, string> = {
	pending: 'bg-zinc-100 text-zinc-700 ring-zinc-300',
	retrying: 'bg-amber-50 text-amber-800 ring-amber-300',
	succeeded: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
	failed: 'bg-red-50 text-red-800 ring-red-300',
}

const focusRing =
	'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600'

/** UTC, the same on the server and in the browser (no hydration mismatch). */
const formatTime = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`

export default function WebhookSettings() {
	const { webhooks, max } = useLoaderData<typeof loader>()
	// A delivery still being attempted shows its outcome when it lands.
	const delivering = webhooks.some((webhook) =>
		webhook.deliveries.some(
			(delivery) => delivery.status === 'pending' || delivery.status === 'retrying',
		),
	)
	usePoll(delivering, 3000)
	const result = useActionData<typeof action>() as ActionResult | undefined
	const busy = useNavigation().state === 'submitting'
	const createError = result?.intent === 'create' && 'error' in result ? result : undefined
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
					); failed deliveries are retried with backoff, 8 attempts in all.
				</p>
			</div>

			<div role="status" aria-live="polite">
				{/* Not an Alert: this whole region is already the live status. */}
				{result && 'message' in result ? (
					<p className="rounded-md border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900">
						{result.message}
					</p>
				) : null}
				{result && 'secret' in result ? (
					<SecretOnce
						heading={`Webhook added for ${result.url}`}
						secret={result.secret}
						copyLabel="Copy secret"
						testId="new-webhook"
					>
						Its signing secret is shown only this once: copy it now to verify deliveries.
					</SecretOnce>
				) : null}
			</div>
			{result && 'error' in result && result.intent !== 'create' ? (
				<Alert>{result.error}</Alert>
			) : null}

			<Form
				method="post"
				className="space-y-4 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm"
				aria-labelledby="add-webhook-heading"
			>
				<h3 id="add-webhook-heading" className="font-medium">
					Add a webhook
				</h3>
				{createError ? (
					<Alert>
						{Object.keys(createError.fieldErrors).length > 0
							? 'The webhook was not added: see the fields below.'
							: createError.error}
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
					defaultValue={createError?.url}
					error={createError?.fieldErrors.url}
				/>
				<fieldset aria-describedby={createError?.fieldErrors.events ? 'events-error' : undefined}>
					<legend className="text-sm font-medium text-zinc-700">Events</legend>
					<div className="mt-1 flex flex-wrap gap-4">
						{webhookEventTypes.map((event) => (
							<label key={event} className="flex items-center gap-2 text-sm">
								<input
									type="checkbox"
									name="events"
									value={event}
									defaultChecked
									className={focusRing}
								/>
								{eventLabels[event]}
							</label>
						))}
					</div>
					{createError?.fieldErrors.events ? (
						<p id="events-error" className="mt-1 text-sm text-red-700">
							{createError.fieldErrors.events}
						</p>
					) : null}
				</fieldset>
				<Field
					label="Description (optional)"
					name="description"
					id="webhook-description"
					maxLength={200}
					error={createError?.fieldErrors.description}
				/>
				<div className="flex items-center gap-3">
					<button type="submit" className={buttonClass} disabled={busy || webhooks.length >= max}>
						Add webhook
					</button>
					<p className="text-sm text-zinc-600">
						{webhooks.length} of {max} webhooks used.
					</p>
				</div>
			</Form>

			{webhooks.length === 0 ? (
				<p className="text-zinc-600">No webhooks yet.</p>
			) : (
				<ul className="space-y-6" aria-label="Your webhooks">
					{webhooks.map((webhook) => (
						<li
							key={webhook.id}
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
										{webhook.events.join(', ')} · added {formatTime(webhook.createdAt)}
									</p>
								</div>
								<div className="flex gap-2">
									<Form method="post">
										<input type="hidden" name="id" value={webhook.id} />
										<button
											type="submit"
											name="intent"
											value="test"
											className={`${secondaryButtonClass} ${focusRing}`}
										>
											Send test event
										</button>
									</Form>
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
							<DeliveryLog deliveries={webhook.deliveries} url={webhook.url} />
						</li>
					))}
				</ul>
			)}
		</div>
	)
}

type DeliveryView = ReturnType<
	typeof useLoaderData<typeof loader>
>['webhooks'][number]['deliveries']

function DeliveryLog({ deliveries, url }: { deliveries: DeliveryView; url: string }) {
	if (deliveries.length === 0) {
		return <p className="text-sm text-zinc-600">No deliveries yet.</p>
	}
	return (
		<div className="overflow-x-auto">
			<table className="w-full text-left text-sm">
				<caption className="sr-only">Latest deliveries to {url}</caption>
				<thead className="text-zinc-600">
					<tr>
						<th className="py-2 pr-3 font-medium">Time</th>
						<th className="py-2 pr-3 font-medium">Event</th>
						<th className="py-2 pr-3 font-medium">Status</th>
						<th className="py-2 pr-3 text-right font-medium">HTTP</th>
						<th className="py-2 pr-3 text-right font-medium">Attempts</th>
						<th className="py-2 font-medium">Error</th>
					</tr>
				</thead>
				<tbody>
					{deliveries.map((delivery) => (
						<tr key={delivery.id} className="border-t border-zinc-200 align-top">
							<td className="py-2 pr-3 whitespace-nowrap">
								<time dateTime={delivery.createdAt}>{formatTime(delivery.createdAt)}</time>
							</td>
							<td className="py-2 pr-3 font-mono text-xs">{delivery.eventType}</td>
							<td className="py-2 pr-3">
								<span
									data-status={delivery.status}
									className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${deliveryStyles[delivery.status]}`}
								>
									{delivery.status}
								</span>
							</td>
							<td className="py-2 pr-3 text-right">{delivery.responseStatus ?? '–'}</td>
							<td className="py-2 pr-3 text-right">{delivery.attempts}</td>
							<td className="py-2 break-words text-zinc-700">{delivery.error ?? ''}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	)
}
