import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { type TokenScope, tokenScopes } from '#db/statuses'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import {
	type ApiToken,
	apiTokenInputSchema,
	createApiToken,
	listApiTokens,
	revokeApiToken,
} from '#app/auth/api-tokens.server'
import { requirePageUser } from '#app/auth/auth.server'
import { SecretOnce } from '#app/components/secret-once'
import { Alert, buttonClass, Field, RowAction, TableHead, TableScroll } from '#app/components/ui'
import { type AppError, BadRequestError } from '#app/errors'
import { formAction, formValues } from '#app/forms.server'
import { parseInput } from '#app/validation'
import { limitRequest } from '#app/rate-limit.server'
import { Time } from '#app/components/time'

export const meta: MetaFunction = () => [{ title: 'API tokens · Darkroom' }]

// A new token's secret is in the page itself: no cache may keep it. A refused
// action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => {
	const headers = new Headers(actionHeaders)
	headers.set('Cache-Control', 'no-store')
	return headers
}

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	return { tokens: await listApiTokens(user.id) }
}

const expiryChoices = [
	{ value: '', label: 'Never' },
	{ value: '30', label: '30 days' },
	{ value: '90', label: '90 days' },
	{ value: '365', label: '365 days' },
]

export async function action(args: ActionFunctionArgs) {
	const { user, scopes } = await requirePageUser(args)
	const form = await args.request.formData()
	const intent = String(form.get('intent') ?? '')
	const values = formValues(form, ['name', 'expiresInDays'], ['scopes'])
	const message = (error: AppError) =>
		intent === 'revoke' && error.status === 404
			? 'This token was already revoked or does not exist.'
			: error.message
	return formAction({ about: { intent }, values, message }, async () => {
		if (intent === 'revoke') {
			const token = await revokeApiToken(args, user, String(form.get('id') ?? ''))
			return { revoked: token.name }
		}
		if (intent !== 'create') throw new BadRequestError('Unknown action.')
		// The same per-user budget as POST /api/tokens.
		await limitRequest(args, 'read', user.id)
		const input = parseInput(apiTokenInputSchema, {
			name: values.name,
			expiresInDays: values.expiresInDays === '' ? undefined : Number(values.expiresInDays),
			// Unlike the API, the form has no "omitted": no box ticked is an error.
			scopes: values.scopes,
		})
		const maker = { user, scopes, args }
		return { created: await createApiToken(maker, input) }
	})
}

/** A fixed format in UTC, so the server's and the browser's renderings agree. */
function DateCell({ iso, empty = 'Never' }: { iso: string | null; empty?: string }) {
	if (!iso) return <span className="text-zinc-600">{empty}</span>
	return <Time iso={iso} />
}

const isExpired = (token: ApiToken) =>
	token.expiresAt !== null && new Date(token.expiresAt).getTime() <= Date.now()

export default function ApiTokens() {
	const { tokens } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	const creating =
		navigation.state === 'submitting' && navigation.formData?.get('intent') === 'create'
	const created = result && 'created' in result ? result.created : null
	const refused = result && 'error' in result ? result : undefined
	// What was typed fills the create form again; a field's problem shows beside it.
	const typed = refused?.intent === 'create' ? refused : undefined
	const fieldErrors = typed?.fieldErrors ?? {}

	return (
		<div className="space-y-8">
			<p className="max-w-2xl text-sm text-zinc-700">
				Personal API tokens let scripts and other services use the Darkroom API as you. Send one as{' '}
				<code className="rounded bg-zinc-100 px-1">Authorization: Bearer &lt;token&gt;</code> or{' '}
				<code className="rounded bg-zinc-100 px-1">X-API-Key: &lt;token&gt;</code>. A token can do
				only what its scopes allow: give it no more than it needs, keep it secret and revoke it when
				it is no longer needed.
			</p>

			{/* Always rendered, so screen readers announce the token when it appears. */}
			<div role="status">
				{created ? (
					<SecretOnce
						heading={`Token “${created.token.name}” created`}
						secret={created.secret}
						copyLabel="Copy token"
						testId="new-token"
					>
						Copy it now: it will not be shown again.
					</SecretOnce>
				) : null}
			</div>
			<div className="space-y-4 empty:hidden">
				{result && 'revoked' in result ? (
					<Alert tone="info">Token “{result.revoked}” revoked: it no longer works.</Alert>
				) : null}
				{refused && Object.keys(fieldErrors).length === 0 ? <Alert>{refused.error}</Alert> : null}
			</div>

			<section aria-labelledby="create-heading" className="max-w-xl space-y-4">
				<h2 id="create-heading" className="text-lg font-semibold">
					Create a token
				</h2>
				<Form
					method="post"
					// A new form after each token, so the name field starts empty again.
					key={created?.token.id ?? 'new'}
					className="flex flex-wrap items-start gap-4"
					noValidate
				>
					<input type="hidden" name="intent" value="create" />
					<div className="min-w-56 flex-1">
						<Field
							label="Name"
							name="name"
							maxLength={100}
							placeholder="e.g. Backup script"
							autoComplete="off"
							required
							defaultValue={typed?.values.name}
							error={fieldErrors.name}
						/>
					</div>
					<div>
						<label htmlFor="expiresInDays" className="block text-sm font-medium text-zinc-700">
							Expires
						</label>
						<select
							id="expiresInDays"
							name="expiresInDays"
							defaultValue={typed?.values.expiresInDays ?? '90'}
							aria-invalid={fieldErrors.expiresInDays ? true : undefined}
							aria-describedby={fieldErrors.expiresInDays ? 'expiresInDays-error' : undefined}
							className="mt-1 block rounded-md border border-zinc-300 bg-white px-3 py-2 shadow-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
						>
							{expiryChoices.map((choice) => (
								<option key={choice.value} value={choice.value}>
									{choice.label}
								</option>
							))}
						</select>
						{fieldErrors.expiresInDays ? (
							<p id="expiresInDays-error" className="mt-1 text-sm text-red-700">
								{fieldErrors.expiresInDays}
							</p>
						) : null}
					</div>
					<ScopeChoices checked={typed?.values.scopes} error={fieldErrors.scopes} />
					<button type="submit" className={`${buttonClass} mt-6`} disabled={creating}>
						{creating ? 'Creating…' : 'Create token'}
					</button>
				</Form>
			</section>

			<section aria-labelledby="tokens-heading" className="space-y-3">
				<h2 id="tokens-heading" className="text-lg font-semibold">
					Your tokens
				</h2>
				{tokens.length === 0 ? (
					<p className="text-sm text-zinc-600">No API tokens yet.</p>
				) : (
					<TableScroll label="Your tokens">
						<table className="w-full text-left text-sm" data-testid="tokens">
							<caption className="sr-only">Your API tokens</caption>
							<TableHead columns={['Name', 'Scopes', 'Created', 'Expires', 'Last used']} />
							<tbody>
								{tokens.map((token) => (
									<tr key={token.id} className="border-t border-zinc-200">
										<th scope="row" className="py-2 pr-4 font-medium break-all">
											{token.name}
										</th>
										<td className="py-2 pr-4" data-testid="token-scopes">
											{token.scopes.join(', ')}
										</td>
										<td className="py-2 pr-4 whitespace-nowrap">
											<DateCell iso={token.createdAt} />
										</td>
										<td className="py-2 pr-4 whitespace-nowrap">
											{isExpired(token) ? (
												<span className="font-medium text-red-700">Expired</span>
											) : (
												<DateCell iso={token.expiresAt} />
											)}
										</td>
										<td className="py-2 pr-4 whitespace-nowrap">
											<DateCell iso={token.lastUsedAt} empty="Not yet" />
										</td>
										<td className="py-2 text-right">
											<RowAction intent="revoke" id={token.id}>
												Revoke<span className="sr-only"> {token.name}</span>
											</RowAction>
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableScroll>
				)}
			</section>
		</div>
	)
}

const scopeLabels: Record<TokenScope, string> = {
	read: 'read: list and download images, usage',
	write: 'write: upload, process and delete images',
	webhooks: 'webhooks: manage webhooks',
	tokens: 'tokens: manage tokens and sessions',
}

/** Read and write are ticked at first: what most scripts need, and no more. */
const defaultScopes: readonly string[] = ['read', 'write']

function ScopeChoices({ checked, error }: { checked?: readonly unknown[]; error?: string }) {
	return (
		<fieldset className="w-full" aria-describedby={error ? 'scopes-error' : undefined}>
			<legend className="text-sm font-medium text-zinc-700">Scopes</legend>
			<div className="mt-1 flex flex-wrap gap-x-6 gap-y-2">
				{tokenScopes.map((scope) => (
					<label key={scope} className="flex items-center gap-2 text-sm">
						<input
							type="checkbox"
							name="scopes"
							value={scope}
							defaultChecked={(checked ?? defaultScopes).includes(scope)}
							className="focus-visible:outline-2 focus-visible:outline-indigo-600"
						/>
						{scopeLabels[scope]}
					</label>
				))}
			</div>
			{error ? (
				<p id="scopes-error" className="mt-1 text-sm text-red-700">
					{error}
				</p>
			) : null}
		</fieldset>
	)
}
