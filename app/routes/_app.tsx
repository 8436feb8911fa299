import type { LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, NavLink, Outlet, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { requirePageUser } from '#app/auth/auth.server'
import { isAdmin } from '#app/admin/auth.server'
import { ErrorPage } from '#app/components/error-page'
import { ThemeSwitch } from '#app/components/theme-switch'
import { UploadPanel } from '#app/components/upload-panel'
import { UploadQueueProvider } from '#app/components/upload-queue'
import { config } from '#app/config.server'

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	return { email: user.email, isAdmin: isAdmin(user), maxUploadBytes: config.maxUploadBytes }
}

/** `children` replaces the page for the error boundary; the layout's own data may be missing then. */
export default function AppLayout({ children }: { children?: ReactNode }) {
	const { email, isAdmin, maxUploadBytes } = useRouteLoaderData<typeof loader>('routes/_app') ?? {
		email: null,
		isAdmin: false,
		maxUploadBytes: 0,
	}
	return (
		<div className="min-h-full">
			<a
				href="#main"
				className="sr-only rounded-md bg-white px-4 py-2 text-sm font-medium text-zinc-900 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
			>
				Skip to content
			</a>
			<header className="border-b border-zinc-200 bg-white">
				<div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-3 px-4 py-3">
					<Link to="/images" className="flex items-center gap-2 font-semibold">
						<img src="/favicon.svg" alt="" className="size-6" />
						Darkroom
					</Link>
					{/* On a phone the links take their own row under the logo and the account controls
					    (closer together there, so six fit on one row; more wrap). */}
					<nav
						aria-label="Main"
						className="order-last flex w-full flex-wrap gap-x-3 gap-y-2 text-sm whitespace-nowrap sm:order-none sm:w-auto sm:gap-x-5"
					>
						<NavItem to="/images" end>
							Images
						</NavItem>
						<NavItem to="/albums">Albums</NavItem>
						<NavItem to="/usage">AI usage</NavItem>
						<NavItem to="/duplicates">Duplicates</NavItem>
						<NavItem to="/trash">Trash</NavItem>
						<NavItem to="/settings">Settings</NavItem>
						{isAdmin ? <NavItem to="/admin">Admin</NavItem> : null}
					</nav>
					<div className="ml-auto flex items-center gap-3 text-sm sm:gap-4">
						<ThemeSwitch />
						<span className="hidden text-zinc-600 sm:inline" data-testid="user-email">
							{email}
						</span>
						<Form method="post" action="/logout">
							<button
								type="submit"
								className="whitespace-nowrap text-zinc-700 underline hover:text-zinc-900"
							>
								Sign out
							</button>
						</Form>
					</div>
				</div>
			</header>
			{/* Focusable by the skip link only, so the next Tab starts inside it. */}
			<main
				id="main"
				tabIndex={-1}
				className="mx-auto max-w-6xl px-4 py-4 focus:outline-none sm:py-8"
			>
				{/* Above the routes, so uploads go on while the user browses. */}
				<UploadQueueProvider maxBytes={maxUploadBytes}>
					{children ?? <Outlet />}
					<UploadPanel />
				</UploadQueueProvider>
			</main>
			<footer className="mx-auto max-w-6xl px-4 pb-8 text-sm text-zinc-700">
				<a href="/api/docs" className="underline hover:text-zinc-900">
					API documentation
				</a>
			</footer>
		</div>
	)
}

/** A 404 or 500 below the layout keeps the header and navigation around it. */
export function ErrorBoundary() {
	return (
		<AppLayout>
			<ErrorPage />
		</AppLayout>
	)
}

function NavItem({ to, end, children }: { to: string; end?: boolean; children: ReactNode }) {
	return (
		<NavLink
			to={to}
			end={end}
			className={({ isActive }) =>
				isActive ? 'font-medium text-zinc-900' : 'text-zinc-600 hover:text-zinc-900'
			}
		>
			{children}
		</NavLink>
	)
}
