import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { type AuditAction, auditActions } from '#db/statuses'
import { listAudit } from '#app/admin/audit.server'
import { requirePageAdmin } from '#app/admin/auth.server'
import { type AuditEntryView, auditQuerySchema } from '#app/admin/schemas'
import { Time } from '#app/components/time'
import { Pager, secondaryButtonClass, TableHead, TableScroll } from '#app/components/ui'

export const meta: MetaFunction = () => [{ title: 'Audit log · Darkroom' }]

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	const params = Object.fromEntries(new URL(args.request.url).searchParams)
	const query = auditQuerySchema.safeParse(params)
	// A hand-edited address the filter does not know: the page as if unfiltered would mislead.
	if (!query.success) throw new Response('Not found', { status: 404 })
	return { ...(await listAudit(query.data)), action: query.data.action ?? '' }
}

const ACTION_LABELS: Record<AuditAction, string> = {
	'auth.sign_in': 'Signed in',
	'auth.sign_in_failed': 'Failed sign-in',
	'auth.sign_out': 'Signed out',
	'auth.register': 'Registered',
	'auth.password_reset': 'Reset password',
	'invite.create': 'Created invite',
	'invite.revoke': 'Revoked invite',
	'invite.use': 'Used invite',
	'token.create': 'Created API token',
	'token.revoke': 'Revoked API token',
	'user.disable': 'Disabled account',
	'user.enable': 'Enabled account',
	'user.delete': 'Deleted account',
	'user.role': 'Changed role',
	'user.quota': 'Changed quota',
	'user.password_reset_link': 'Made password-reset link',
	'settings.change': 'Changed setting',
	'image.visibility': 'Changed sharing',
	'share_link.create': 'Made share link',
	'share_link.revoke': 'Revoked share link',
	'backup.start': 'Started backup',
	'backfill.start': 'Started backfill',
	'backfill.cancel': 'Cancelled backfill',
}

export default function AuditLog() {
	const { items, page, totalPages, total, action } = useLoaderData<typeof loader>()
	const linkTo = (to: number) =>
		`/admin/audit?${new URLSearchParams({ ...(action ? { action } : {}), page: String(to) })}`
	return (
		<div className="space-y-6">
			<div className="space-y-2">
				<h1 className="text-2xl font-semibold">Audit log</h1>
				<p className="max-w-2xl text-sm text-zinc-700">
					Sign-ins, registrations, invites, API tokens, account and setting changes and sharing
					changes, newest first, with who did them and from which address.
				</p>
			</div>
			<Form method="get" className="flex flex-wrap items-end gap-3">
				<div>
					<label htmlFor="action" className="block text-sm font-medium text-zinc-700">
						Action
					</label>
					<select
						id="action"
						name="action"
						defaultValue={action}
						className="mt-1 block rounded-md border border-zinc-300 bg-white px-3 py-2 shadow-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
					>
						<option value="">Every action</option>
						{auditActions.map((value) => (
							<option key={value} value={value}>
								{ACTION_LABELS[value]}
							</option>
						))}
					</select>
				</div>
				<button type="submit" className={secondaryButtonClass}>
					Show
				</button>
				<p className="pb-2 text-sm text-zinc-600" data-testid="audit-total">
					{total === 1 ? '1 entry' : `${total} entries`}
				</p>
			</Form>
			{items.length === 0 ? (
				<p className="text-sm text-zinc-600">Nothing recorded yet.</p>
			) : (
				<TableScroll label="Audit log">
					<table className="w-full text-left text-sm" data-testid="audit">
						<caption className="sr-only">Audit log</caption>
						<TableHead columns={['When', 'Who', 'What', 'Target', 'Address', 'Details']} />
						<tbody>
							{items.map((entry) => (
								<AuditRow key={entry.id} entry={entry} />
							))}
						</tbody>
					</table>
				</TableScroll>
			)}
			<Pager page={page} totalPages={totalPages} linkTo={linkTo} />
		</div>
	)
}

function AuditRow({ entry }: { entry: AuditEntryView }) {
	return (
		<tr className="border-t border-zinc-200 align-top" data-testid="audit-row">
			<td className="py-2 pr-4 whitespace-nowrap">
				<Time iso={entry.at} />
			</td>
			<td className="py-2 pr-4 break-all">
				{entry.actor?.email ?? <span className="text-zinc-600">Not signed in</span>}
			</td>
			<th scope="row" className="py-2 pr-4 font-medium whitespace-nowrap">
				{ACTION_LABELS[entry.action]}
			</th>
			<td className="py-2 pr-4 break-all">
				{entry.target ? `${entry.target.type} ${entry.target.id}` : '—'}
			</td>
			<td className="py-2 pr-4 whitespace-nowrap">{entry.ip ?? '—'}</td>
			<td className="py-2 pr-4 break-all">
				<Details details={entry.details} />
			</td>
			<td />
		</tr>
	)
}

function Details({ details }: { details: Record<string, unknown> | null }) {
	if (!details) return <span className="text-zinc-600">—</span>
	return (
		<dl className="space-y-0.5">
			{Object.entries(details).map(([key, value]) => (
				<div key={key} className="flex gap-1">
					<dt className="text-zinc-600">{key}:</dt>
					<dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
				</div>
			))}
		</dl>
	)
}
