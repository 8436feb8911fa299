import { useEffect, useState } from 'react'
import { CopyButton } from '#app/components/copy-button'
import { Time } from '#app/components/time'
import { formatBytes } from '#app/format'

type Variant = { url: string; contentType: string; byteSize: number; width: number; height: number }
type VariantName = 'original' | 'optimized' | 'thumbnail'

const titles: Record<VariantName, string> = {
	original: 'Original',
	optimized: 'Optimized',
	thumbnail: 'Thumbnail',
}

const smallButtonClass =
	'inline-flex items-center rounded border border-zinc-300 bg-white px-2 py-0.5 text-xs font-medium text-zinc-800 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600'

/**
 * Each stored file: its signed link (open, copy) and a download through
 * /api/images/{id}/download, which answers with a signed URL whose response
 * carries `Content-Disposition: attachment`, so the browser saves the file.
 */
export function VariantFiles({
	imageId,
	variants,
	urlsExpireAt,
	servedAt,
}: {
	imageId: string
	variants: Record<VariantName, Variant | null>
	urlsExpireAt: string
	servedAt: string
}) {
	return (
		<div>
			<ul className="divide-y divide-zinc-200 text-sm" data-testid="files">
				{(['original', 'optimized', 'thumbnail'] as const).map((name) => {
					const variant = variants[name]
					return (
						<li key={name} className="py-2 first:pt-0 last:pb-0" data-testid={`file-${name}`}>
							{variant ? (
								<>
									<div className="flex flex-wrap items-baseline justify-between gap-x-3">
										<a
											href={variant.url}
											className="font-medium text-indigo-700 underline hover:text-indigo-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
											data-variant={name}
										>
											{titles[name]}
										</a>
										<span className="text-xs text-zinc-600">
											{variant.width}×{variant.height} · {variant.contentType.replace('image/', '')}{' '}
											· {formatBytes(variant.byteSize)}
										</span>
									</div>
									<div className="mt-1.5 flex flex-wrap gap-2">
										<a
											href={`/api/images/${imageId}/download?variant=${name}`}
											download
											className={smallButtonClass}
											data-download={name}
										>
											Download {name}
										</a>
										<CopyButton text={variant.url} label={`Copy ${name} link`} />
									</div>
								</>
							) : (
								<span className="text-zinc-600">{titles[name]}: not ready yet</span>
							)}
						</li>
					)
				})}
			</ul>
			<ExpiryNote urlsExpireAt={urlsExpireAt} servedAt={servedAt} />
		</div>
	)
}

/**
 * "Links expire in 14 min", counting down while the page is open. The first
 * render uses the time the loader ran, so server and browser agree.
 */
function ExpiryNote({ urlsExpireAt, servedAt }: { urlsExpireAt: string; servedAt: string }) {
	const [now, setNow] = useState(() => Date.parse(servedAt))
	useEffect(() => {
		setNow(Date.now())
		const timer = setInterval(() => setNow(Date.now()), 15_000)
		return () => clearInterval(timer)
	}, [urlsExpireAt])
	const minutesLeft = Math.floor((Date.parse(urlsExpireAt) - now) / 60_000)
	return (
		<p className="mt-3 text-xs text-zinc-600" data-testid="links-expiry">
			{minutesLeft > 0 ? (
				<>
					Links expire in {minutesLeft} min (
					<Time iso={urlsExpireAt} format="time" />
					);{' '}
				</>
			) : minutesLeft === 0 ? (
				<>Links expire in less than a minute; </>
			) : (
				<>These links have expired; </>
			)}
			<a href="" className="underline">
				reload
			</a>{' '}
			for fresh ones.
		</p>
	)
}
