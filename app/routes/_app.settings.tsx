import type { LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { NavLink, Outlet } from '@remix-run/react'
import { requirePageUser } from '#app/auth/auth.server'

const tabs = [
	{ to: '/settings/tokens', label: 'API tokens' },
	{ to: '/settings/webhooks', label: 'Webhooks' },
	{ to: '/settings/sessions', label: 'Sessions' },
	{ to: '/settings/password', label: 'Password' },
	{ to: '/settings/sharing', label: 'Sharing' },
]

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requirePageUser({ request, context })
	// /settings itself has nothing of its own: open the first tab.
	if (new URL(request.url).pathname.replace(/\/$/, '') === '/settings') throw redirect(tabs[0]!.to)
	return null
}

export default function Settings() {
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-semibold">Settings</h1>
			<nav aria-label="Settings" className="flex gap-1 border-b border-zinc-200 text-sm">
				{tabs.map((tab) => (
					<NavLink
						key={tab.to}
						to={tab.to}
						className={({ isActive }) =>
							`-mb-px border-b-2 px-3 py-2 ${isActive ? 'border-indigo-600 font-medium text-zinc-900' : 'border-transparent text-zinc-600 hover:text-zinc-900'}`
						}
					>
						{tab.label}
					</NavLink>
				))}
			</nav>
			<Outlet />
		</div>
	)
}
