import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node'
import {
	isRouteErrorResponse,
	Links,
	Meta,
	Outlet,
	Scripts,
	ScrollRestoration,
	useRouteError,
} from '@remix-run/react'
import { type ReactNode, useEffect } from 'react'
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

export function ErrorBoundary() {
	const error = useRouteError()
	const title = isRouteErrorResponse(error)
		? error.status === 404
			? 'Page not found'
			: `${error.status} ${error.statusText}`
		: 'Something went wrong'
	const detail = isRouteErrorResponse(error)
		? error.status === 404
			? 'There is nothing at this address.'
			: typeof error.data === 'string'
				? error.data
				: ''
		: 'An unexpected error happened. It has been logged; please try again.'
	return (
		<main className="mx-auto max-w-xl p-8">
			{/* The route's meta is not rendered for errors; the page still needs a title. */}
			<title>{`${title} · Darkroom`}</title>
			<h1 className="text-2xl font-semibold">{title}</h1>
			<p className="mt-2 text-zinc-600">{detail}</p>
			<a href="/images" className="mt-6 inline-block text-indigo-700 underline">
				Back to your images
			</a>
		</main>
	)
}
