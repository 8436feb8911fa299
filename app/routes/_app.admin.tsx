import type { LoaderFunctionArgs } from '@remix-run/node'
import { NavLink, Outlet } from '@remix-run/react'
import { requirePageAdmin } from '#app/admin/auth.server'

// The admin pages share this sub-navigation; for everyone else they do not exist (404).

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	return null
}

const SECTIONS = [
	{ to: '/admin/users', label: 'Users' },
	{ to: '/admin/invites', label: 'Invites' },
	{ to: '/admin/audit', label: 'Audit log' },
	{ to: '/admin/jobs', label: 'Jobs' },
	{ to: '/admin/backups', label: 'Backups' },
	{ to: '/admin/search', label: 'Search index' },
	{ to: '/admin/settings', label: 'Instance' },
]

export default function AdminLayout() {
	return (
		<div className="space-y-6">
			<nav
				aria-label="Administration"
				className="flex flex-wrap gap-x-5 gap-y-2 border-b border-zinc-200 pb-3 text-sm"
			>
				{SECTIONS.map((section) => (
					<NavLink
						key={section.to}
						to={section.to}
						className={({ isActive }) =>
							isActive ? 'font-medium text-zinc-900' : 'text-zinc-600 hover:text-zinc-900'
						}
					>
						{section.label}
					</NavLink>
				))}
			</nav>
			<Outlet />
		</div>
	)
}
