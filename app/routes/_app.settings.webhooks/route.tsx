import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react'
import { webhookEventTypes, type WebhookDeliveryStatus } from '#db/statuses'
import { requirePageUser } from '#app/auth/auth.server'
import { SecretOnce } from '#app/components/secret-once'
import { Time } from '#app/components/time'
import { usePoll } from '#app/components/use-poll'
import { Alert, buttonClass, Field, secondaryButtonClass, TableScroll } from '#app/components/ui'
import { AppError } from '#app/errors'
import { parseInput } from '#app/validation'
import { limitRequest } from '#app/rate-limit.server'
import {
	createWebhook,
	createWebhookSchema,
	deleteWebhook,
	listDeliveries,
	listWebhooks,
	MAX_WEBHOOKS_PER_USER,
	presentDelivery,
	presentWebhook,
	resendDelivery,
	sendTestEvent,
	updateWebhook,
	updateWebhookSchema,
} from '#app/webhooks/webhooks.server'

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

type FieldErrors = Record<string, string>
type EditValues = { url: string; events: string[]; description: string }

/** What a webhook's own controls (fetchers; plain forms without JavaScript) answer. */
type WebhookResult = {
	intent: WebhookIntent
	webhookId: string
	deliveryId?: string
	message?: string
	error?: string
	/** For a refused edit: what was wrong and what was typed. */
	fieldErrors?: FieldErrors
	values?: EditValues
}

type ActionResult =
	| { intent: 'create'; secret: string; url: string }
	| { intent: 'create'; error: string; fieldErrors: FieldErrors; url: string }
	| { intent: 'delete'; message: string }
	| { intent: 'delete'; error: string }
	| WebhookResult

const webhookIntents = ['test', 'enable', 'disable', 'edit', 'resend'] as const
type WebhookIntent = (typeof webhookIntents)[number]
const isWebhookIntent = (value: unknown): value is WebhookIntent =>
	webhookIntents.includes(value as WebhookIntent)

const successMessages: Record<WebhookIntent, string> = {
	test: 'Test event queued: its delivery is in the log below.',
	enable: 'Webhook enabled: new events are delivered again.',
	disable: 'Webhook disabled: no events are recorded for it until you enable it.',
	edit: 'Webhook updated.',
	resend: 'Sent again as a new delivery.',
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const form = await args.request.formData()
	const intent = form.get('intent')
	if (isWebhookIntent(intent)) return webhookAction(args, user.id, intent, form)
	if (intent === 'delete') {
		try {
			await deleteWebhook(user.id, String(form.get('id') ?? ''))
			return { intent, message: 'Webhook deleted.' } satisfies ActionResult
		} catch (error) {
			if (!(error instanceof AppError)) throw error
			return data({ intent, error: error.message } as ActionResult, { status: error.status })
		}
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
		return data(
			{
				intent: 'create',
				error: error.message,
				fieldErrors: fieldErrorsOf(error),
				url,
			} as ActionResult,
			{ status: error.status },
		)
	}
}

/** One webhook's test, enable, disable, edit or resend, with the same rules as the API. */
async function webhookAction(
	args: ActionFunctionArgs,
	userId: string,
	intent: WebhookIntent,
	form: FormData,
) {
	const webhookId = String(form.get('id') ?? '')
	const deliveryId = String(form.get('deliveryId') ?? '')
	const values: EditValues = {
		url: String(form.get('url') ?? ''),
		events: form.getAll('events').map(String),
		description: String(form.get('description') ?? ''),
	}
	const answer = { intent, webhookId, ...(intent === 'resend' ? { deliveryId } : {}) }
	try {
		await limitRequest(args, 'process', userId)
		if (intent === 'test') await sendTestEvent(userId, webhookId)
		if (intent === 'enable' || intent === 'disable') {
			await updateWebhook(userId, webhookId, { enabled: intent === 'enable' })
		}
		if (intent === 'edit') {
			await updateWebhook(userId, webhookId, parseInput(updateWebhookSchema, values))
		}
		if (intent === 'resend') await resendDelivery(userId, webhookId, deliveryId)
		return { ...answer, message: successMessages[intent] } satisfies WebhookResult
	} catch (error) {
		if (!(error instanceof AppError)) throw error
		const refused: WebhookResult = { ...answer, error: error.message }
		if (intent === 'edit') Object.assign(refused, { fieldErrors: fieldErrorsOf(error), values })
		return data(refused as ActionResult, { status: error.status, headers: error.headers })
	}
}

/** The first problem with each form field, in words for the page. */
function fieldErrorsOf(error: AppError): FieldErrors {
	const fieldErrors: FieldErrors = {}
	for (const { path, message } of error.errors ?? []) {
		const field = path.split('.')[0]!
		fieldErrors[field] ??= field === 'events' ? 'Choose at least one known event.' : message
	}
	return fieldErrors
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

const badgeClass = 'inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset'

const focusRing =
	'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600'

/** UTC, the same on the server and in the browser (no hydration mismatch). */
type WebhookView = ReturnType<typeof useLoaderData<typeof loader>>['webhooks'][number]
type DeliveryView = WebhookView['deliveries'][number]

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
				{result?.intent === 'delete' && 'message' in result ? (
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
			{result?.intent === 'delete' && 'error' in result ? <Alert>{result.error}</Alert> : null}

			<Form
				method="post"
				// A new form once a webhook is added, so the fields are empty for the next one.
				key={result && 'secret' in result ? result.secret : 'new'}
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
				<EventChoices idPrefix="webhook" error={createError?.fieldErrors.events} />
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

/** The event checkboxes of the add and edit forms; `checked` undefined means all. */
function EventChoices({
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

/**
 * One webhook: its state, controls and delivery log. The controls are plain
 * forms; with JavaScript they submit through a fetcher (no navigation) and
 * the page's data reloads after. `result` is the answer to a plain form post.
 */
function WebhookCard({ webhook, result }: { webhook: WebhookView; result?: WebhookResult }) {
	const fetcher = useFetcher<typeof action>()
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
						{shown?.message ? <p className="text-sm text-sky-900">{shown.message}</p> : null}
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
			{shown?.error && shown.intent !== 'edit' ? <Alert>{shown.error}</Alert> : null}
			<EditWebhook
				webhook={webhook}
				fetcher={fetcher}
				refused={shown?.intent === 'edit' && shown.error ? shown : undefined}
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

/**
 * The edit form, folded away in a disclosure (no JavaScript needed). It opens
 * with the errors of a refused edit, and starts afresh (closed, with the new
 * values) once the webhook has changed.
 */
function EditWebhook({
	webhook,
	fetcher,
	refused,
}: {
	webhook: WebhookView
	fetcher: ReturnType<typeof useFetcher>
	refused?: WebhookResult
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

function DeliveryLog({ webhook, resent }: { webhook: WebhookView; resent?: WebhookResult }) {
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
	const fetcher = useFetcher<typeof action>()
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
				{answer?.message}
			</span>
			{answer?.error ? (
				<span role="alert" className="text-xs text-red-700">
					{answer.error}
				</span>
			) : null}
		</fetcher.Form>
	)
}
