/** Until there is an optimized copy: the blurred ThumbHash (when known) and what is happening. */
export function ProcessingPreview({
	failed,
	working,
	placeholder,
	originalUrl,
}: {
	failed: boolean
	working: boolean
	placeholder: string | null
	originalUrl: string
}) {
	return (
		<div className="relative flex min-h-64 flex-col items-center justify-center gap-3 overflow-hidden rounded-xl bg-zinc-100 p-10 text-center text-zinc-800 ring-1 ring-zinc-200">
			{placeholder ? (
				<img
					src={placeholder}
					alt=""
					className="absolute inset-0 size-full object-cover blur-xl"
					data-testid="placeholder"
				/>
			) : null}
			<div className="relative space-y-2 rounded-lg bg-white/90 px-4 py-3">
				<p role="status">
					{failed ? 'No preview: processing failed.' : 'Making the thumbnail and optimized copy…'}
				</p>
				{working ? (
					<noscript>
						<p>
							This page refreshes by itself.{' '}
							<a href="" className="underline">
								Refresh now
							</a>
						</p>
					</noscript>
				) : null}
				<a href={originalUrl} className="text-indigo-700 underline">
					Open the original
				</a>
			</div>
		</div>
	)
}
