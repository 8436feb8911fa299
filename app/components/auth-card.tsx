import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { ThemeSwitch } from './theme-switch'

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
	return (
		<main className="flex min-h-full items-center justify-center px-4 py-12">
			<div className="w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-8 shadow-sm">
				<div className="flex items-center justify-between">
					<Link to="/" className="text-sm font-semibold tracking-wide text-zinc-600 uppercase">
						Darkroom
					</Link>
					<ThemeSwitch />
				</div>
				<h1 className="mt-2 mb-6 text-2xl font-semibold">{title}</h1>
				{children}
			</div>
		</main>
	)
}
