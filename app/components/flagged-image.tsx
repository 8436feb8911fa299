import { useId, type ImgHTMLAttributes } from 'react'

/**
 * An image that may be flagged by the safety check: blurred until the user
 * chooses to reveal it. A checkbox drives the reveal so it works without JavaScript.
 */
export function FlaggedImage({
	flagged,
	categories,
	className = '',
	...img
}: { flagged: boolean; categories: string[] } & ImgHTMLAttributes<HTMLImageElement>) {
	const id = useId()
	if (!flagged) return <img className={className} {...img} />
	return (
		<span className="relative inline-flex max-h-full max-w-full items-center justify-center overflow-hidden">
			<input id={id} type="checkbox" className="peer sr-only" data-testid="reveal-flagged" />
			<img
				className={`${className} blur-2xl peer-checked:blur-none`}
				data-flagged="true"
				{...img}
			/>
			<label
				htmlFor={id}
				className="absolute inset-0 flex cursor-pointer flex-col items-center justify-center gap-1 bg-zinc-900/40 p-2 text-center text-sm font-medium text-white peer-checked:hidden peer-focus-visible:outline-2 peer-focus-visible:outline-indigo-400"
			>
				<span>Flagged{categories.length ? `: ${categories.join(', ')}` : ''}</span>
				<span className="rounded bg-white/90 px-2 py-0.5 text-zinc-900">Show image</span>
			</label>
		</span>
	)
}
