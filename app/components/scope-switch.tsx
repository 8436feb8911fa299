import { Link } from '@remix-run/react'

const tabClass =
	'rounded-md px-3 py-1 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600'

/**
 * Mine | Team: a plain link to the other view (no JavaScript needed); the
 * current one is text, so the switch costs one Tab stop before the photos.
 */
export function ScopeSwitch({
	scope,
	className = '',
}: {
	scope: 'mine' | 'team'
	className?: string
}) {
	const tab = (to: string, label: string, current: boolean) =>
		current ? (
			<span aria-current="page" className={`${tabClass} bg-zinc-900 text-white`}>
				{label}
			</span>
		) : (
			<Link to={to} className={`${tabClass} text-zinc-700 hover:bg-zinc-100`}>
				{label}
			</Link>
		)
	return (
		<nav
			aria-label="Whose images"
			className={`inline-flex gap-1 rounded-lg border border-zinc-200 bg-white p-1 ${className}`}
		>
			{tab('/images', 'Mine', scope === 'mine')}
			{tab('/images?scope=team', 'Team', scope === 'team')}
		</nav>
	)
}
