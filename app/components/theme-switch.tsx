import { useFetcher, useLocation, useRouteLoaderData } from '@remix-run/react'
import type { loader as rootLoader } from '~/root'
import type { Theme } from '~/theme.server'

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

/** Three buttons in a plain form: without JavaScript the POST redirects back here. */
export function ThemeSwitch() {
	const theme = useTheme()
	const fetcher = useFetcher({ key: 'theme' })
	const location = useLocation()
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
			{choices.map((choice) => (
				<button
					key={choice.value}
					type="submit"
					name="theme"
					value={choice.value}
					aria-label={choice.label}
					aria-pressed={theme === choice.value}
					title={choice.label}
					className={`rounded px-2 py-0.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600 ${theme === choice.value ? 'bg-zinc-900 text-white' : 'text-zinc-700 hover:bg-zinc-100'}`}
				>
					<span aria-hidden>{choice.icon}</span>
				</button>
			))}
		</fetcher.Form>
	)
}
