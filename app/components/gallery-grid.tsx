import { Link } from '@remix-run/react'
import { type SyntheticEvent, useEffect, useRef } from 'react'
import { FlaggedImage } from '#app/components/flagged-image'
import { StatusBadge, TagLink } from '#app/components/ui'
import { useRovingGrid } from '#app/components/use-roving-grid'
import { placeholderDataUrl } from '#app/images/placeholder'
import type { ImageListItem } from '#app/images/present.server'

/** The longest side of a thumbnail (THUMBNAIL_MAX_SIZE's default): the grid's box. */
const THUMBNAIL_BOX = 256

/** The thumbnail's size: the original scaled into the box, never up. */
function thumbnailSize(width: number, height: number) {
	const scale = Math.min(1, THUMBNAIL_BOX / Math.max(width, height))
	return {
		width: Math.max(1, Math.round(width * scale)),
		height: Math.max(1, Math.round(height * scale)),
	}
}

type GridItem = ImageListItem

/**
 * `linkSearch` (`?q=…&page=2`) goes on each image link: the detail page follows that list.
 * `selectable` says which cards get a checkbox (the Team view: only those the viewer may change).
 */
export function Grid({
	items,
	linkSearch = '',
	selectable = () => true,
}: {
	items: GridItem[]
	linkSearch?: string
	selectable?: (item: GridItem) => boolean
}) {
	const list = useRef<HTMLUListElement>(null)
	const grid = useRovingGrid(list, items.length)
	return (
		<>
			<p id="grid-keys" hidden>
				Arrow keys move between images, Enter opens one, Space selects it.
			</p>
			<ul
				ref={list}
				onKeyDown={grid.onKeyDown}
				aria-label="Images"
				aria-describedby={grid.enhanced ? 'grid-keys' : undefined}
				// On a phone: three columns, edge to edge (out of main's padding), photos only.
				className="-mx-4 mt-4 grid grid-cols-3 gap-0.5 sm:mx-0 sm:gap-4 lg:grid-cols-4"
				data-testid="gallery"
			>
				{items.map((item, index) => (
					<Card
						key={item.id}
						item={item}
						href={`/images/${item.id}${linkSearch}`}
						focusProps={grid.focusProps(index)}
						roving={grid.enhanced}
						selectable={selectable(item)}
					/>
				))}
			</ul>
		</>
	)
}

const hidePlaceholder = (img: HTMLImageElement) => {
	img.style.backgroundImage = 'none'
}

function Card({
	item,
	href,
	focusProps,
	roving,
	selectable,
}: {
	item: GridItem
	href: string
	focusProps: { tabIndex?: number; onFocus: () => void }
	roving: boolean
	selectable: boolean
}) {
	const size = thumbnailSize(item.width, item.height)
	const placeholder = placeholderDataUrl(item.placeholder)
	const landscape = item.width >= item.height
	const img = {
		src: item.thumbnailUrl ?? undefined,
		alt: item.filename,
		loading: 'lazy' as const,
		decoding: 'async' as const,
		width: size.width,
		height: size.height,
		// The ThumbHash shows until the thumbnail has loaded over it…
		style: placeholder
			? { backgroundImage: `url(${placeholder})`, backgroundSize: 'cover' }
			: undefined,
		// …and then goes, or it would show through a transparent one.
		onLoad: (event: SyntheticEvent<HTMLImageElement>) => hidePlaceholder(event.currentTarget),
		className: `object-contain ${landscape ? 'h-auto w-full' : 'h-full w-auto'} max-sm:size-full max-sm:object-cover`,
	}
	const card = useRef<HTMLLIElement>(null)
	// A thumbnail that loaded before hydration fired its load event unheard.
	useEffect(() => {
		card.current?.querySelectorAll('img').forEach((loaded) => {
			if (loaded.complete && loaded.naturalWidth > 0) hidePlaceholder(loaded)
		})
	}, [])
	return (
		<li
			ref={card}
			data-grid-card
			className="group relative overflow-hidden bg-white has-[[data-grid-focus]:focus-visible]:ring-2 has-[[data-grid-focus]:focus-visible]:ring-indigo-600 max-sm:has-[[data-grid-focus]:focus-visible]:ring-inset sm:rounded-lg sm:border sm:border-zinc-200 sm:shadow-sm"
		>
			<div className="flex aspect-square items-center justify-center bg-zinc-100">
				{item.thumbnailUrl ? (
					item.safety?.flagged ? (
						// Above the card's link: the first click reveals, it does not navigate.
						<span className="relative z-10 flex size-full items-center justify-center">
							<FlaggedImage flagged categories={item.safety.categories} {...img} />
						</span>
					) : (
						<img {...img} alt={item.filename} />
					)
				) : (
					<span className="text-sm text-zinc-600">
						{item.overallStatus === 'failed' ? 'No preview' : 'Processing…'}
					</span>
				)}
			</div>
			{/* On a narrow card the badge wraps under the name instead of squeezing it. On a
			phone the row folds to nothing: the name stays for screen readers (the link still
			covers the card) and the checkbox floats over the photo's corner. */}
			<div className="flex flex-wrap items-center gap-x-2 gap-y-1 p-2 max-sm:h-0 max-sm:overflow-hidden max-sm:p-0">
				{selectable ? (
					<input
						type="checkbox"
						form="bulk"
						name="id"
						value={item.id}
						aria-label={`Select ${item.filename}`}
						data-grid-select
						tabIndex={roving ? -1 : undefined}
						className="relative z-10 size-4 shrink-0 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600 max-sm:absolute max-sm:top-1.5 max-sm:left-1.5"
					/>
				) : null}
				<Link
					to={href}
					data-grid-focus
					{...focusProps}
					// Its ::after covers the card, so the whole card opens the image.
					className="min-w-0 flex-1 basis-24 truncate text-sm font-medium after:absolute after:inset-0 hover:underline focus-visible:outline-none"
					title={item.filename}
				>
					{item.filename}
				</Link>
				<StatusBadge status={item.overallStatus} />
				<SharingBadge item={item} />
			</div>
			{item.tags.length ? (
				// Hidden on a phone; never a Tab stop each: the image's page lists them too.
				<div className="relative z-10 hidden flex-wrap gap-1 px-2 pb-2 sm:flex">
					{item.tags.slice(0, 4).map((t) => (
						<TagLink key={t} tag={t} tabIndex={-1} />
					))}
				</div>
			) : null}
		</li>
	)
}

/** Someone else's image names its owner; one of yours shared with the team says so. */
function SharingBadge({ item }: { item: GridItem }) {
	if (item.yours && item.visibility !== 'team') return null
	return (
		<span
			data-testid={item.yours ? 'shared-badge' : 'owner-badge'}
			className="inline-flex max-w-full min-w-0 items-center truncate rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800 ring-1 ring-indigo-300 ring-inset"
			title={item.yours ? 'Shared with the team' : `Shared by ${item.owner.email}`}
		>
			{item.yours ? 'Shared' : item.owner.email}
		</span>
	)
}
