import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { requirePageAdmin } from '#app/admin/auth.server'
import { listUsers } from '#app/admin/users.server'
import { Time } from '#app/components/time'
import { Alert, TableScroll } from '#app/components/ui'
import { formatBytes, formatUsd } from '#app/format'

export const meta: MetaFunction = () => [{ title: 'Users · Darkroom' }]

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	return { users: await listUsers() }
}

const COLUMNS = ['Email', 'Role', 'Images', 'Stored', 'AI cost this month', 'Last active', 'Status']

export default function AdminUsers() {
	const { users } = useLoaderData<typeof loader>()
	const [params] = useSearchParams()
	const deleted = params.get('deleted')
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-semibold">Users</h1>
			{deleted ? (
				<Alert tone="info">The account {deleted} was deleted with its images.</Alert>
			) : null}
			<p className="text-sm text-zinc-600">
				Counts, storage and AI cost only: an account&rsquo;s images stay private to it. Choose an
				email to change its role, quota or access, make a password-reset link or delete it.
			</p>
			<TableScroll label="Users">
				<table className="w-full text-left text-sm" data-testid="users-table">
					<caption className="sr-only">Accounts of this Darkroom</caption>
					<thead className="text-zinc-600">
						<tr>
							{COLUMNS.map((column) => (
								<th key={column} scope="col" className="py-2 pr-4 font-medium">
									{column}
								</th>
							))}
						</tr>
					</thead>
					<tbody>
						{users.map((user) => (
							<tr key={user.id} className="border-t border-zinc-200" data-user-id={user.id}>
								<th scope="row" className="py-2 pr-4 font-medium">
									<Link
										to={`/admin/users/${user.id}`}
										className="wrap-anywhere text-indigo-700 underline"
									>
										{user.email}
									</Link>
								</th>
								<td className="py-2 pr-4">{user.role}</td>
								<td className="py-2 pr-4">{user.images.toLocaleString('en')}</td>
								<td className="py-2 pr-4 whitespace-nowrap">{formatBytes(user.bytesStored)}</td>
								<td className="py-2 pr-4">{formatUsd(user.aiCostUsdThisMonth)}</td>
								<td className="py-2 pr-4">
									{user.lastActiveAt ? <Time iso={user.lastActiveAt} /> : 'Never'}
								</td>
								<td className="py-2 pr-4">{user.disabledAt ? 'Disabled' : 'Active'}</td>
							</tr>
						))}
					</tbody>
				</table>
			</TableScroll>
		</div>
	)
}
