import { useFetcher, useLocation, useRouteLoaderData } from '@remix-run/react'
import { type KeyboardEvent, useEffect, useState } from 'react'
import type { loader as rootLoader } from '#app/root'
import type { Theme } from '#app/theme.server'

const choices: Array<{ value: Theme; label: string; icon: string }> = [
	{ value: 'system', label: 'System theme', icon: '◐' },
	{ value: 'light', label: 'Light theme', icon: '☀' },
	{ value: 'dark', label: 'Dark theme', icon: '☾' },
]

/** The theme the page should show now: a choice in flight wins over the cookie's. */
export function useTheme(): Theme {
	const root = useRouteLoaderData<typeof rootLoader>('root')
	const fetcher = useFetcher<{ theme?: Theme }>({ key: 'theme' })
	const pending = fetcher.formData?.get('theme')
	return (typeof pending === 'string' ? (pending as Theme) : undefined) ?? root?.theme ?? 'system'
}

/**
 * Three buttons in a plain form: without JavaScript the POST redirects back here.
 * Once the page runs they are one Tab stop, a toolbar whose arrow keys move
 * between the choices (the WAI-ARIA toolbar pattern): two fewer stops on every page.
 */
export function ThemeSwitch() {
	const theme = useTheme()
	const fetcher = useFetcher({ key: 'theme' })
	const location = useLocation()
	const [hydrated, setHydrated] = useState(false)
	useEffect(() => setHydrated(true), [])
	return (
		<fetcher.Form
			method="post"
			action="/theme"
			className="flex items-center rounded-md border border-zinc-300 p-0.5"
			aria-label="Colour theme"
			onSubmit={(event) => {
				// With JavaScript: no redirect and no reload, the class changes in place.
				event.preventDefault()
				const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null
				if (submitter)
					fetcher.submit({ theme: submitter.value }, { method: 'post', action: '/theme' })
			}}
		>
			<input type="hidden" name="redirectTo" value={location.pathname + location.search} />
			<div
				role={hydrated ? 'toolbar' : undefined}
				aria-label={hydrated ? 'Colour theme' : undefined}
				className="flex items-center"
				onKeyDown={moveFocusByArrow}
			>
				{choices.map((choice) => (
					<button
						key={choice.value}
						type="submit"
						name="theme"
						value={choice.value}
						aria-label={choice.label}
						aria-pressed={theme === choice.value}
						tabIndex={hydrated ? (theme === choice.value ? 0 : -1) : undefined}
						title={choice.label}
						className={`rounded px-2 py-0.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600 ${theme === choice.value ? 'bg-zinc-900 text-white' : 'text-zinc-700 hover:bg-zinc-100'}`}
					>
						<span aria-hidden>{choice.icon}</span>
					</button>
				))}
			</div>
		</fetcher.Form>
	)
}

/** Left/Right (and Home/End) move focus among the toolbar's buttons, wrapping around. */
function moveFocusByArrow(event: KeyboardEvent<HTMLDivElement>) {
	const buttons = [...event.currentTarget.querySelectorAll('button')]
	const at = buttons.indexOf(event.target as HTMLButtonElement)
	const to = {
		ArrowLeft: at - 1,
		ArrowRight: at + 1,
		Home: 0,
		End: buttons.length - 1,
	}[event.key]
	if (to === undefined || at < 0) return
	event.preventDefault()
	buttons[(to + buttons.length) % buttons.length]?.focus()
}
