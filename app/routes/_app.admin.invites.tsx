import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requirePageAdmin } from '#app/admin/auth.server'
import { createInvite, listInvites, revokeInvite } from '#app/auth/invites.server'
import {
	type Invite,
	type InviteState,
	inviteInputSchema,
	MAX_INVITE_NOTE_LENGTH,
	MAX_INVITE_USES,
} from '#app/auth/schemas'
import { registrationPolicy } from '#app/auth/registration.server'
import { SecretOnce } from '#app/components/secret-once'
import { Time } from '#app/components/time'
import { Alert, buttonClass, Field, RowAction, TableHead, TableScroll } from '#app/components/ui'
import { type AppError, BadRequestError } from '#app/errors'
import { formAction, formValues } from '#app/forms.server'
import { baseUrlOf } from '#app/images/present.server'
import { parseInput } from '#app/validation'

export const meta: MetaFunction = () => [{ title: 'Invites · Darkroom' }]

// A new invite's link is in the page itself: no cache may keep it.
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' })

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	const [invites, policy] = await Promise.all([listInvites(), registrationPolicy()])
	return { invites, mode: policy.mode }
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageAdmin(args)
	const form = await args.request.formData()
	const intent = String(form.get('intent') ?? '')
	const values = formValues(form, ['role', 'maxUses', 'expiresInDays', 'note'])
	const message = (error: AppError) =>
		intent === 'revoke' && error.status === 404
			? 'This invite was already revoked or does not exist.'
			: error.message
	return formAction({ about: { intent }, values, message }, async () => {
		if (intent === 'revoke') {
			await revokeInvite(args, user, String(form.get('id') ?? ''))
			return { revoked: true as const }
		}
		if (intent !== 'create') throw new BadRequestError('Unknown action.')
		const input = parseInput(inviteInputSchema, {
			role: values.role,
			maxUses: values.maxUses === '' ? undefined : Number(values.maxUses),
			expiresInDays: Number(values.expiresInDays),
			note: values.note,
		})
		return { created: await createInvite(args, user, input, baseUrlOf(args.request)) }
	})
}

const expiryChoices = [
	{ value: '1', label: '1 day' },
	{ value: '7', label: '7 days' },
	{ value: '30', label: '30 days' },
]

const STATE_LABELS: Record<InviteState, string> = {
	active: 'Active',
	used: 'Used up',
	expired: 'Expired',
	revoked: 'Revoked',
}

const selectClass =
	'mt-1 block rounded-md border border-zinc-300 bg-white px-3 py-2 shadow-sm focus-visible:outline-2 focus-visible:outline-indigo-600'

export default function AdminInvites() {
	const { invites, mode } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	const creating =
		navigation.state === 'submitting' && navigation.formData?.get('intent') === 'create'
	const created = result && 'created' in result ? result.created : null
	const refused = result && 'error' in result ? result : undefined
	const typed = refused?.intent === 'create' ? refused : undefined
	const fieldErrors = typed?.fieldErrors ?? {}

	return (
		<div className="space-y-8">
			<div className="max-w-2xl space-y-2">
				<h1 className="text-2xl font-semibold">Invites</h1>
				<p className="text-sm text-zinc-700">
					An invite link lets people create an account even when registration is by invitation or
					closed (now: <strong>{mode}</strong>). Each account registered through it gets the
					invite’s role. The link is shown once, when it is made.
				</p>
			</div>

			{/* Always rendered, so screen readers announce the link when it appears. */}
			<div role="status">
				{created ? (
					<SecretOnce
						heading="Invite link created"
						secret={created.link}
						copyLabel="Copy link"
						testId="new-invite"
					>
						Send it to the people you invite. Copy it now: it will not be shown again.
					</SecretOnce>
				) : null}
			</div>
			<div className="space-y-4 empty:hidden">
				{result && 'revoked' in result ? (
					<Alert tone="info">Invite revoked: its link no longer works.</Alert>
				) : null}
				{refused && Object.keys(fieldErrors).length === 0 ? <Alert>{refused.error}</Alert> : null}
			</div>

			<section aria-labelledby="create-heading" className="max-w-2xl space-y-4">
				<h2 id="create-heading" className="text-lg font-semibold">
					Create an invite
				</h2>
				<Form
					method="post"
					key={created?.invite.id ?? 'new'}
					className="flex flex-wrap items-start gap-4"
					noValidate
				>
					<input type="hidden" name="intent" value="create" />
					<div className="min-w-56 flex-1">
						<Field
							label="Note (who it is for)"
							name="note"
							maxLength={MAX_INVITE_NOTE_LENGTH}
							placeholder="e.g. Design team"
							autoComplete="off"
							defaultValue={typed?.values.note}
							error={fieldErrors.note}
						/>
					</div>
					<div>
						<label htmlFor="role" className="block text-sm font-medium text-zinc-700">
							Role
						</label>
						<select
							id="role"
							name="role"
							defaultValue={typed?.values.role ?? 'member'}
							className={selectClass}
						>
							<option value="member">Member</option>
							<option value="admin">Admin</option>
						</select>
					</div>
					<div className="w-28">
						<Field
							label="Uses"
							name="maxUses"
							type="number"
							min={1}
							max={MAX_INVITE_USES}
							defaultValue={typed?.values.maxUses ?? '1'}
							error={fieldErrors.maxUses}
						/>
					</div>
					<div>
						<label htmlFor="expiresInDays" className="block text-sm font-medium text-zinc-700">
							Expires after
						</label>
						<select
							id="expiresInDays"
							name="expiresInDays"
							defaultValue={typed?.values.expiresInDays ?? '7'}
							className={selectClass}
						>
							{expiryChoices.map((choice) => (
								<option key={choice.value} value={choice.value}>
									{choice.label}
								</option>
							))}
						</select>
					</div>
					<button type="submit" className={`${buttonClass} mt-6`} disabled={creating}>
						{creating ? 'Creating…' : 'Create invite'}
					</button>
				</Form>
			</section>

			<section aria-labelledby="invites-heading" className="space-y-3">
				<h2 id="invites-heading" className="text-lg font-semibold">
					Invites
				</h2>
				{invites.length === 0 ? (
					<p className="text-sm text-zinc-600">No invites yet.</p>
				) : (
					<TableScroll label="Invites">
						<table className="w-full text-left text-sm" data-testid="invites">
							<caption className="sr-only">Invites</caption>
							<TableHead columns={['Note', 'Role', 'Used', 'State', 'Expires', 'Created by']} />
							<tbody>
								{invites.map((invite) => (
									<InviteRow key={invite.id} invite={invite} />
								))}
							</tbody>
						</table>
					</TableScroll>
				)}
			</section>
		</div>
	)
}

function InviteRow({ invite }: { invite: Invite }) {
	const name = invite.note ?? 'Invite'
	return (
		<tr className="border-t border-zinc-200" data-testid="invite-row">
			<th scope="row" className="py-2 pr-4 font-medium break-all">
				{invite.note ?? <span className="text-zinc-600">No note</span>}
			</th>
			<td className="py-2 pr-4 capitalize">{invite.role}</td>
			<td className="py-2 pr-4 whitespace-nowrap" data-testid="invite-uses">
				{invite.uses} / {invite.maxUses}
			</td>
			<td className="py-2 pr-4" data-testid="invite-state">
				{STATE_LABELS[invite.state]}
			</td>
			<td className="py-2 pr-4 whitespace-nowrap">
				<Time iso={invite.expiresAt} />
			</td>
			<td className="py-2 pr-4 break-all">{invite.createdBy ?? '—'}</td>
			<td className="py-2 text-right">
				{invite.state === 'active' ? (
					<RowAction intent="revoke" id={invite.id}>
						Revoke<span className="sr-only"> {name}</span>
					</RowAction>
				) : null}
			</td>
		</tr>
	)
}
