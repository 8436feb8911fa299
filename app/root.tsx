import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node'
import { Links, Meta, Outlet, Scripts, ScrollRestoration } from '@remix-run/react'
import { type ReactNode, useEffect } from 'react'
import { ErrorPage } from './components/error-page'
import { useNonce } from './components/nonce'
import { useTheme } from './components/theme-switch'
import { getTheme } from './theme.server'
import stylesheet from './tailwind.css?url'

export const links: LinksFunction = () => [
	{ rel: 'stylesheet', href: stylesheet },
	{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ request }: LoaderFunctionArgs) {
	return { theme: await getTheme(request) }
}

export function Layout({ children }: { children: ReactNode }) {
	const nonce = useNonce()
	const theme = useTheme()
	return (
		<html lang="en" className={`h-full ${theme === 'system' ? '' : theme}`}>
			<head>
				<meta charSet="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<Meta />
				<Links />
			</head>
			<body className="h-full bg-zinc-50 text-zinc-900 antialiased">
				{children}
				<ScrollRestoration nonce={nonce} />
				<Scripts nonce={nonce} />
			</body>
		</html>
	)
}

export default function App() {
	// Marks the page as running its JavaScript: until then buttons are plain
	// forms and links (which work too), and tests wait for it before testing enhancements.
	useEffect(() => {
		document.documentElement.dataset.hydrated = 'true'
	}, [])
	return <Outlet />
}

/** Errors outside the signed-in layout (public pages, or the layout itself failing to render): a public shell. */
export function ErrorBoundary() {
	return (
		<main className="mx-auto max-w-xl p-8">
			<ErrorPage />
		</main>
	)
}
