import { type KeyboardEvent, type RefObject, useCallback, useEffect, useState } from 'react'

// A roving tabindex over the cards of a grid (one Tab stop for the whole grid):
// ←/→ move by one, ↑/↓ by a row, Home/End to the first/last card, Enter follows
// the focused card's link (native), Space toggles the card's checkbox.
// Each card is an element with [data-grid-card]; inside it, the element with
// [data-grid-focus] takes focus and [data-grid-select] is the checkbox.

export function useRovingGrid(list: RefObject<HTMLElement | null>, count: number) {
	const [active, setActive] = useState(0)
	const [enhanced, setEnhanced] = useState(false)
	// Until hydration every card stays in the tab order, as it is without JavaScript.
	useEffect(() => setEnhanced(true), [])
	useEffect(() => {
		if (active >= count) setActive(Math.max(0, count - 1))
	}, [active, count])

	const cards = useCallback(
		() => [...(list.current?.querySelectorAll<HTMLElement>('[data-grid-card]') ?? [])],
		[list],
	)

	const onKeyDown = useCallback(
		(event: KeyboardEvent<HTMLElement>) => {
			if (event.altKey || event.ctrlKey || event.metaKey) return
			const all = cards()
			const target = event.target as HTMLElement
			if (!target.matches('[data-grid-focus]')) return
			const index = all.findIndex((card) => card.contains(target))
			if (index < 0) return
			if (event.key === ' ') {
				event.preventDefault()
				all[index]?.querySelector<HTMLInputElement>('[data-grid-select]')?.click()
				return
			}
			const next = nextIndex(event.key, index, all)
			if (next === undefined) return
			event.preventDefault()
			setActive(next)
			all[next]?.querySelector<HTMLElement>('[data-grid-focus]')?.focus()
		},
		[cards],
	)

	/** Props for the element that takes focus in card `index`. */
	const focusProps = (index: number) =>
		enhanced
			? { tabIndex: index === active ? 0 : -1, onFocus: () => setActive(index) }
			: { onFocus: () => setActive(index) }

	return { onKeyDown, focusProps, enhanced }
}

function nextIndex(key: string, index: number, cards: HTMLElement[]): number | undefined {
	const last = cards.length - 1
	const columns = columnCount(cards)
	switch (key) {
		case 'ArrowRight':
			return Math.min(last, index + 1)
		case 'ArrowLeft':
			return Math.max(0, index - 1)
		case 'ArrowDown':
			return index + columns <= last ? index + columns : index
		case 'ArrowUp':
			return index - columns >= 0 ? index - columns : index
		case 'Home':
			return 0
		case 'End':
			return last
		default:
			return undefined
	}
}

/** Cards on the first row: those laid out at the first card's height on the page. */
function columnCount(cards: HTMLElement[]) {
	const top = cards[0]?.offsetTop
	const columns = cards.filter((card) => card.offsetTop === top).length
	return Math.max(1, columns)
}
