import { Form, Link } from '@remix-run/react'
import {
	type InputHTMLAttributes,
	type ReactNode,
	type RefObject,
	useEffect,
	useRef,
	useState,
} from 'react'
import type { OverallStatus } from '#db/statuses'

export function Field({
	label,
	error,
	...input
}: { label: string; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
	const id = input.id ?? input.name
	return (
		<div>
			<label htmlFor={id} className="block text-sm font-medium text-zinc-700">
				{label}
			</label>
			<input
				id={id}
				aria-invalid={error ? true : undefined}
				aria-describedby={error ? `${id}-error` : undefined}
				className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 shadow-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 focus:outline-none"
				{...input}
			/>
			{error ? (
				<p id={`${id}-error`} className="mt-1 text-sm text-red-700">
					{error}
				</p>
			) : null}
		</div>
	)
}

export function Alert({
	children,
	tone = 'error',
}: {
	children: ReactNode
	tone?: 'error' | 'info'
}) {
	const colors =
		tone === 'error'
			? 'border-red-200 bg-red-50 text-red-800'
			: 'border-sky-200 bg-sky-50 text-sky-900'
	return (
		<div
			role={tone === 'error' ? 'alert' : 'status'}
			className={`rounded-md border px-4 py-3 text-sm ${colors}`}
		>
			{children}
		</div>
	)
}

export const buttonClass =
	'inline-flex items-center justify-center rounded-md bg-zinc-900 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60'

export const secondaryButtonClass =
	'inline-flex items-center justify-center rounded-md border border-zinc-300 bg-white px-4 py-2 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-100'

const statusStyles: Record<string, string> = {
	pending: 'bg-zinc-100 text-zinc-700 ring-zinc-300',
	processing: 'bg-amber-50 text-amber-800 ring-amber-300',
	completed: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
	partial: 'bg-orange-50 text-orange-800 ring-orange-300',
	failed: 'bg-red-50 text-red-800 ring-red-300',
	skipped: 'bg-zinc-100 text-zinc-600 ring-zinc-300',
	// Backup runs (Admin → Backups).
	running: 'bg-amber-50 text-amber-800 ring-amber-300',
	succeeded: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
}

const underWay = new Set(['pending', 'processing', 'running'])

export function StatusBadge({ status }: { status: OverallStatus | string }) {
	return (
		<span
			data-status={status}
			className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${statusStyles[status] ?? statusStyles.pending}`}
		>
			{underWay.has(status) ? (
				<span className="size-1.5 animate-pulse rounded-full bg-current" aria-hidden />
			) : null}
			{status}
		</span>
	)
}

export function TagLink({ tag, tabIndex }: { tag: string; tabIndex?: number }) {
	return (
		<a
			href={`/images?${new URLSearchParams({ tag })}`}
			tabIndex={tabIndex}
			className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-700 hover:bg-zinc-200"
		>
			{tag}
		</a>
	)
}

/** A settings table's head: its named columns, then an unnamed one for each row's buttons. */
export function TableHead({ columns }: { columns: string[] }) {
	return (
		<thead className="text-zinc-600">
			<tr>
				{columns.map((column) => (
					<th key={column} scope="col" className="py-2 pr-4 font-medium">
						{column}
					</th>
				))}
				<th scope="col" className="py-2 font-medium">
					<span className="sr-only">Actions</span>
				</th>
			</tr>
		</thead>
	)
}

/** A table row's own button: a plain form posting `intent` with the row's id. */
export function RowAction({
	intent,
	id,
	children,
}: {
	intent: string
	id: string
	children: ReactNode
}) {
	return (
		<Form method="post">
			<input type="hidden" name="intent" value={intent} />
			<input type="hidden" name="id" value={id} />
			<button
				type="submit"
				className={`${secondaryButtonClass} py-1 focus-visible:outline-2 focus-visible:outline-indigo-600`}
			>
				{children}
			</button>
		</Form>
	)
}

/**
 * A wide table's box: on a phone it scrolls sideways. A labelled region, and a
 * Tab stop while it overflows, so the keyboard can scroll it as well.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
	const box = useRef<HTMLDivElement>(null)
	const overflows = useOverflowsSideways(box)
	return (
		<div
			ref={box}
			role="region"
			aria-label={label}
			tabIndex={overflows ? 0 : undefined}
			className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600"
		>
			{children}
		</div>
	)
}

function useOverflowsSideways(box: RefObject<HTMLElement | null>) {
	// Until measured, and without JavaScript: it may overflow, so it is focusable.
	const [overflows, setOverflows] = useState(true)
	useEffect(() => {
		const element = box.current
		if (!element) return
		const measure = () => setOverflows(element.scrollWidth > element.clientWidth)
		measure()
		const observer = new ResizeObserver(measure)
		observer.observe(element)
		if (element.firstElementChild) observer.observe(element.firstElementChild)
		return () => observer.disconnect()
	}, [box])
	return overflows
}

/** Previous / "Page n of m" / Next under a paged list; `linkTo` builds a page's URL. */
export function Pager({
	page,
	totalPages,
	linkTo,
	className = '',
}: {
	page: number
	totalPages: number
	linkTo: (page: number) => string
	className?: string
}) {
	if (totalPages <= 1) return null
	return (
		<nav
			aria-label="Pages"
			className={`flex items-center justify-center gap-4 text-sm ${className}`}
		>
			{page > 1 ? (
				<Link to={linkTo(page - 1)} className={secondaryButtonClass} rel="prev">
					Previous
				</Link>
			) : null}
			<span>
				Page {page} of {totalPages}
			</span>
			{page < totalPages ? (
				<Link to={linkTo(page + 1)} className={secondaryButtonClass} rel="next">
					Next
				</Link>
			) : null}
		</nav>
	)
}
