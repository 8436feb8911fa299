import { Link } from '@remix-run/react'
import { Section } from './section'

type SimilarItem = {
	id: string
	filename: string
	thumbnailUrl: string | null
	safety: { flagged: boolean } | null
}

/**
 * "More like this": thumbnails of the nearest images, each a plain link (no
 * JavaScript needed). Flagged ones stay blurred here; their page reveals them.
 */
export function SimilarSection({
	items,
	basis,
}: {
	items: SimilarItem[]
	basis: 'embedding' | 'visual' | null
}) {
	return (
		<Section title="More like this">
			{items.length === 0 ? (
				<p className="text-sm text-zinc-600">
					{basis === null
						? 'Nothing to compare yet: similar images appear once this one is analysed.'
						: 'No similar images found.'}
				</p>
			) : (
				<>
					<p className="mb-3 text-sm text-zinc-600">
						{basis === 'embedding' ? 'Similar in content.' : 'Similar in appearance.'}
					</p>
					<ul className="grid grid-cols-3 gap-2" data-testid="similar-images">
						{items.map((item) => (
							<li key={item.id}>
								<Link
									to={`/images/${item.id}`}
									className="block aspect-square overflow-hidden rounded-md bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
								>
									{item.thumbnailUrl ? (
										<img
											src={item.thumbnailUrl}
											alt={item.safety?.flagged ? `${item.filename} (flagged)` : item.filename}
											loading="lazy"
											className={`size-full object-cover ${item.safety?.flagged ? 'blur-2xl' : ''}`}
										/>
									) : (
										<span className="flex size-full items-center justify-center p-1 text-center text-xs wrap-anywhere text-zinc-700">
											{item.filename}
										</span>
									)}
								</Link>
							</li>
						))}
					</ul>
				</>
			)}
		</Section>
	)
}
