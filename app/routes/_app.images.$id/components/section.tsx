import type { ReactNode } from 'react'

export function Section({ title, children }: { title: string; children: ReactNode }) {
	// An id has no spaces: aria-labelledby reads a space as a list of ids.
	const id = `section-${title.toLowerCase().replace(/\s+/g, '-')}`
	return (
		<section
			aria-labelledby={id}
			className="min-w-0 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-5"
		>
			<h2 id={id} className="mb-3 text-sm font-semibold tracking-wide text-zinc-600 uppercase">
				{title}
			</h2>
			{children}
		</section>
	)
}
