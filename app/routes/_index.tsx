import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link } from '@remix-run/react'
import { redirectIfSignedIn } from '#app/auth/auth.server'
import { ThemeSwitch } from '#app/components/theme-switch'

export const meta: MetaFunction = () => [{ title: 'Darkroom' }]

export const loader = ({ request }: LoaderFunctionArgs) => redirectIfSignedIn(request)

export default function Index() {
	return (
		<main className="mx-auto flex min-h-full max-w-2xl flex-col justify-center px-6 py-16">
			<div className="flex items-center justify-between">
				<h1 className="text-4xl font-bold tracking-tight">Darkroom</h1>
				<ThemeSwitch />
			</div>
			<p className="mt-4 text-lg text-zinc-600">
				Upload photos and scans. Darkroom keeps the original private, makes a thumbnail, an
				optimized copy and a metadata record, and gives you short-lived links to every file.
			</p>
			<div className="mt-8 flex gap-3">
				<Link
					to="/register"
					className="rounded-md bg-zinc-900 px-4 py-2 font-medium text-white hover:bg-zinc-700"
				>
					Create an account
				</Link>
				<Link
					to="/login"
					className="rounded-md border border-zinc-300 px-4 py-2 font-medium hover:bg-zinc-100"
				>
					Sign in
				</Link>
			</div>
			<p className="mt-8 text-sm text-zinc-700">
				Building on Darkroom? Read the{' '}
				<a href="/api/docs" className="text-indigo-700 underline hover:text-indigo-900">
					API documentation
				</a>
				.
			</p>
		</main>
	)
}
