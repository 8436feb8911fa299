import { Link } from '@remix-run/react'

const tabClass =
	'rounded-md px-3 py-1 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600'

/** Mine | Team: plain links (no JavaScript needed); the current one is marked for screen readers too. */
export function ScopeSwitch({ scope }: { scope: 'mine' | 'team' }) {
	const tab = (to: string, label: string, current: boolean) => (
		<Link
			to={to}
			aria-current={current ? 'page' : undefined}
			className={`${tabClass} ${current ? 'bg-zinc-900 text-white' : 'text-zinc-700 hover:bg-zinc-100'}`}
		>
			{label}
		</Link>
	)
	return (
		<nav
			aria-label="Whose images"
			className="inline-flex gap-1 rounded-lg border border-zinc-200 bg-white p-1"
		>
			{tab('/images', 'Mine', scope === 'mine')}
			{tab('/images?scope=team', 'Team', scope === 'team')}
		</nav>
	)
}
