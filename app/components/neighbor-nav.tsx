import { Link, type Location, useLocation, useNavigate } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { isTypingOrShortcut } from './keyboard'

/** `href` carries the list the image was opened from. */
type Neighbor = { id: string; filename: string; href: string } | null

type Direction = 'previous' | 'next'
const directions: Partial<Record<string, Direction>> = { ArrowLeft: 'previous', ArrowRight: 'next' }

/** Whether the page rendered for `location` is the one in the address bar. */
const isShowing = (location: Location) =>
	new URL(location.pathname + location.search, window.location.href).href ===
	new URL(window.location.pathname + window.location.search, window.location.href).href

const linkClass =
	'group flex min-w-0 max-w-[48%] flex-col rounded-md border border-zinc-200 bg-white px-3 py-1.5 text-sm shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-indigo-600'

/**
 * Previous and next image in the list the image was opened from (its search,
 * filters and sort; newest first by default).
 * Plain links with rel=prev/next; with JavaScript, ← and → follow them too.
 */
export function NeighborNav({ previous, next }: { previous: Neighbor; next: Neighbor }) {
	const navigate = useNavigate()
	const shown = useLocation()
	// A key pressed before this page shows the image in the address bar waits for it.
	const pending = useRef<Direction | null>(null)

	useEffect(() => {
		const neighbors = { previous, next }
		const follow = (direction: Direction) => {
			const target = neighbors[direction]
			if (target) navigate(target.href)
		}
		if (pending.current) follow(pending.current)
		pending.current = null
		function onKey(event: KeyboardEvent) {
			if (isTypingOrShortcut(event) || event.shiftKey) return
			// In a zoomed image the arrows pan.
			if (event.target instanceof Element && event.target.closest('[data-pan-area]')) return
			const direction = directions[event.key]
			if (!direction) return
			// The router changes the address first and renders the new image after (a
			// transition): until then previous and next here are the last image's.
			if (!isShowing(shown)) {
				event.preventDefault()
				pending.current = direction
				return
			}
			if (!neighbors[direction]) return
			event.preventDefault()
			follow(direction)
		}
		document.addEventListener('keydown', onKey)
		return () => document.removeEventListener('keydown', onKey)
	}, [previous, next, navigate, shown])

	return (
		<nav aria-label="Previous and next image" className="flex items-stretch justify-between gap-3">
			{previous ? (
				<Link
					to={previous.href}
					rel="prev"
					prefetch="intent"
					className={linkClass}
					aria-keyshortcuts="ArrowLeft"
					data-testid="previous-image"
				>
					<span className="font-medium text-zinc-900">← Previous</span>
					<span className="truncate text-xs text-zinc-600">{previous.filename}</span>
				</Link>
			) : (
				<span className="px-3 py-1.5 text-sm text-zinc-600">First image</span>
			)}
			{next ? (
				<Link
					to={next.href}
					rel="next"
					prefetch="intent"
					className={`${linkClass} items-end text-right`}
					aria-keyshortcuts="ArrowRight"
					data-testid="next-image"
				>
					<span className="font-medium text-zinc-900">Next →</span>
					<span className="max-w-full truncate text-xs text-zinc-600">{next.filename}</span>
				</Link>
			) : (
				<span className="px-3 py-1.5 text-sm text-zinc-600">Last image</span>
			)}
		</nav>
	)
}
