import {
	useCallback,
	useEffect,
	useLayoutEffect,
	useRef,
	useState,
	type MouseEvent,
	type PointerEvent,
} from 'react'
import { FlaggedImage } from '#app/components/flagged-image'
import { isTypingOrShortcut } from './keyboard'

const zoomButtonClass =
	'inline-flex items-center rounded-md border border-zinc-300 bg-white px-3 py-1 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60'

// Zoom steps as multiples of the fitted size.
const zoomSteps = [1, 1.5, 2, 3, 4, 6, 8]

// Layout effects warn when rendered on the server, where they never run anyway.
const useBrowserLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect

type Props = {
	src: string
	alt: string
	/** Pixel size of `src`. */
	width: number
	height: number
	flagged: boolean
	categories: string[]
	/** The original's signed URL, for "open full size". */
	fullSizeUrl: string
	/** The original's pixel width; past `width` a zoom shows the original itself… */
	originalWidth: number
	/** …when the browser can show its type (a HEIC or TIFF original it cannot). */
	originalShowable: boolean
}

type Fitted = { width: number; height: number; boxHeight: number }

/**
 * The image, fitted to the page; with JavaScript it zooms (buttons, + − 0,
 * click) and pans (drag, scroll, or the arrow keys in the focused image).
 * Without JavaScript it stays fitted, and "open full size" links the original.
 */
export function ImageViewer({
	src,
	alt,
	width,
	height,
	flagged,
	categories,
	fullSizeUrl,
	originalWidth,
	originalShowable,
}: Props) {
	const scroller = useRef<HTMLDivElement>(null)
	const [hydrated, setHydrated] = useState(false)
	const [zoom, setZoom] = useState(1)
	const [fitted, setFitted] = useState<Fitted | null>(null)
	// Which point of the image (as fractions) to bring to the middle after a zoom.
	const focus = useRef<{ x: number; y: number } | null>(null)
	const drag = useRef<{ x: number; y: number; left: number; top: number; moved: boolean } | null>(
		null,
	)
	const zoomed = zoom > 1 && fitted !== null

	useEffect(() => setHydrated(true), [])

	const zoomTo = useCallback(
		(next: number, point?: { x: number; y: number }) => {
			const box = scroller.current
			const img = box?.querySelector('img')
			if (!box || !img) return
			let base = fitted
			if (zoom === 1) {
				const rect = img.getBoundingClientRect()
				base = { width: rect.width, height: rect.height, boxHeight: box.offsetHeight }
				setFitted(base)
			}
			if (!base) return
			focus.current = point ?? {
				x: zoom === 1 ? 0.5 : (box.scrollLeft + box.clientWidth / 2) / (base.width * zoom),
				y: zoom === 1 ? 0.5 : (box.scrollTop + box.clientHeight / 2) / (base.height * zoom),
			}
			setZoom(next)
		},
		[fitted, zoom],
	)

	const zoomIn = useCallback(() => {
		const next = zoomSteps.find((step) => step > zoom)
		if (next) zoomTo(next)
	}, [zoom, zoomTo])
	const zoomOut = useCallback(() => {
		const next = [...zoomSteps].reverse().find((step) => step < zoom)
		if (next) zoomTo(next)
	}, [zoom, zoomTo])
	const fit = useCallback(() => zoomTo(1), [zoomTo])

	// Keep the chosen point in the middle of the view after the size changed.
	useBrowserLayoutEffect(() => {
		const box = scroller.current
		if (!box || !fitted || !focus.current) return
		box.scrollLeft = focus.current.x * fitted.width * zoom - box.clientWidth / 2
		box.scrollTop = focus.current.y * fitted.height * zoom - box.clientHeight / 2
		focus.current = null
	}, [zoom, fitted])

	useEffect(() => {
		function onKey(event: KeyboardEvent) {
			if (isTypingOrShortcut(event)) return
			const action =
				event.key === '+' || event.key === '='
					? zoomIn
					: event.key === '-' || event.key === '_'
						? zoomOut
						: event.key === '0'
							? fit
							: null
			if (!action) return
			event.preventDefault()
			action()
		}
		document.addEventListener('keydown', onKey)
		return () => document.removeEventListener('keydown', onKey)
	}, [zoomIn, zoomOut, fit])

	function onClick(event: MouseEvent<HTMLDivElement>) {
		// Only the picture itself: the "show image" overlay of a flagged image is a label.
		if (!(event.target instanceof HTMLImageElement)) return
		if (drag.current?.moved) return
		if (zoomed) return fit()
		const rect = event.target.getBoundingClientRect()
		zoomTo(2, {
			x: (event.clientX - rect.left) / rect.width,
			y: (event.clientY - rect.top) / rect.height,
		})
	}

	// Touch already scrolls the overflow box; a mouse drags.
	function onPointerDown(event: PointerEvent<HTMLDivElement>) {
		const box = scroller.current
		if (!zoomed || !box || event.pointerType !== 'mouse' || event.button !== 0) return
		drag.current = {
			x: event.clientX,
			y: event.clientY,
			left: box.scrollLeft,
			top: box.scrollTop,
			moved: false,
		}
	}
	function onPointerMove(event: PointerEvent<HTMLDivElement>) {
		const box = scroller.current
		const start = drag.current
		if (!box || !start || event.buttons !== 1) return
		const dx = event.clientX - start.x
		const dy = event.clientY - start.y
		if (Math.abs(dx) + Math.abs(dy) > 4) start.moved = true
		box.scrollLeft = start.left - dx
		box.scrollTop = start.top - dy
	}
	function onPointerEnd() {
		// Cleared after the click that ends a drag has been seen (and ignored).
		setTimeout(() => (drag.current = null), 0)
	}

	const size = zoomed ? { width: fitted.width * zoom, height: fitted.height * zoom } : null
	const shown = useSharperSource({
		src,
		original: originalShowable && originalWidth > width ? fullSizeUrl : null,
		needed: size !== null && size.width > width,
	})
	const percent = size ? Math.round((size.width / originalWidth) * 100) : null

	return (
		<div className="space-y-2">
			<div
				ref={scroller}
				data-pan-area
				className={`flex rounded-xl bg-zinc-100 ring-1 ring-zinc-200 ${
					zoomed
						? 'cursor-grab overflow-auto focus-visible:outline-2 focus-visible:outline-indigo-600 active:cursor-grabbing'
						: 'min-h-64 items-center justify-center overflow-hidden'
				} ${hydrated && !zoomed ? 'cursor-zoom-in' : ''}`}
				style={zoomed ? { height: Math.max(fitted.boxHeight, 256) } : undefined}
				// Zoomed, the box scrolls: focusable so the keyboard can pan it too.
				tabIndex={zoomed ? 0 : undefined}
				role={zoomed ? 'region' : undefined}
				aria-label={zoomed ? 'Zoomed image (arrow keys pan)' : undefined}
				onClick={onClick}
				onPointerDown={onPointerDown}
				onPointerMove={onPointerMove}
				onPointerUp={onPointerEnd}
				onPointerCancel={onPointerEnd}
				data-testid="viewer"
			>
				<div className={size ? 'm-auto shrink-0' : 'min-w-0'} style={size ?? undefined}>
					<FlaggedImage
						flagged={flagged}
						categories={categories}
						src={shown}
						alt={alt}
						width={width}
						height={height}
						draggable={false}
						className="max-h-[70vh] w-auto object-contain select-none"
						style={size ? { ...size, maxWidth: 'none', maxHeight: 'none' } : undefined}
						data-testid="viewer-image"
					/>
				</div>
			</div>
			<div className="flex flex-wrap items-center gap-2 text-sm">
				{hydrated ? (
					<div role="toolbar" aria-label="Zoom" className="flex items-center gap-2">
						<button
							type="button"
							className={zoomButtonClass}
							onClick={zoomOut}
							disabled={zoom === 1}
							aria-keyshortcuts="-"
						>
							<span aria-hidden>−</span>
							<span className="ml-1">Zoom out</span>
						</button>
						<button
							type="button"
							className={zoomButtonClass}
							onClick={zoomIn}
							disabled={zoom === zoomSteps[zoomSteps.length - 1]}
							aria-keyshortcuts="+"
						>
							<span aria-hidden>+</span>
							<span className="ml-1">Zoom in</span>
						</button>
						<button
							type="button"
							className={zoomButtonClass}
							onClick={fit}
							disabled={zoom === 1}
							aria-keyshortcuts="0"
						>
							Fit
						</button>
						<output aria-live="polite" className="min-w-16 text-zinc-700" data-testid="zoom-level">
							{percent === null ? 'Fitted' : `${percent}%`}
						</output>
					</div>
				) : null}
				<a
					href={fullSizeUrl}
					className="ml-auto text-indigo-700 underline hover:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
				>
					Open full size
				</a>
			</div>
		</div>
	)
}

/**
 * The optimized copy until a zoom goes past its pixels, then the original: once
 * it has loaded (the sharper picture replaces the softer one, never a blank),
 * and kept from then on.
 */
function useSharperSource({
	src,
	original,
	needed,
}: {
	src: string
	original: string | null
	needed: boolean
}) {
	const [loaded, setLoaded] = useState<string | null>(null)
	useEffect(() => {
		if (!needed || !original || loaded === original) return
		let current = true
		const img = new Image()
		img.src = original
		img.decode().then(
			() => current && setLoaded(original),
			() => {}, // Unreadable here: the optimized copy stays.
		)
		return () => {
			current = false
		}
	}, [needed, original, loaded])
	return loaded ?? src
}
