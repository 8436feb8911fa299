import { type ReactNode, useEffect, useRef, useState } from 'react'

/** Tailwind's `sm` breakpoint (40rem): from here up a fold is always open. */
const wideEnough = '(min-width: 40rem)'

/**
 * A part of a page folded away on phones, so the first view shows what the page
 * is for (the photos). A plain <details>: it opens and closes without
 * JavaScript. From `sm` up the .phone-fold rule in tailwind.css hides the
 * summary and shows the content whatever the state; with JavaScript the
 * element is opened there too, so its state says what is on screen.
 */
export function PhoneFold({
	summary,
	open = false,
	children,
	testId,
	className = '',
}: {
	summary: string
	/** Open on phones too: when what is inside needs to be seen (a result, an error, a filter in use). */
	open?: boolean
	children: ReactNode
	testId?: string
	className?: string
}) {
	const details = useRef<HTMLDetailsElement>(null)
	// Rendered once; later the fold only ever opens by itself, never snaps shut under
	// the user (say, when the first upload makes the gallery non-empty).
	const [openAtFirst] = useState(open)
	useEffect(() => {
		if (open && details.current) details.current.open = true
	}, [open])
	useEffect(() => {
		const query = window.matchMedia(wideEnough)
		const openWhenWide = () => {
			if (query.matches && details.current) details.current.open = true
		}
		openWhenWide()
		query.addEventListener('change', openWhenWide)
		return () => query.removeEventListener('change', openWhenWide)
	}, [])
	return (
		<details
			ref={details}
			open={openAtFirst}
			className={`phone-fold group ${className}`}
			data-testid={testId}
		>
			<summary className="flex cursor-pointer items-center gap-2 rounded-md border border-zinc-300 bg-white px-4 py-2.5 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600">
				<span aria-hidden className="text-xs text-zinc-600 group-open:rotate-90">
					▶
				</span>
				{summary}
			</summary>
			<div className="mt-3 sm:mt-0">{children}</div>
		</details>
	)
}
