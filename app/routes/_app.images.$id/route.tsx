import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { requirePageUser } from '#app/auth/auth.server'
import { MetadataTable } from '#app/components/image-metadata'
import { ImageViewer } from '#app/components/image-viewer'
import { NeighborNav } from '#app/components/neighbor-nav'
import { StageTimeline, type StageTimes } from '#app/components/stage-timeline'
import { VariantFiles } from '#app/components/variant-files'
import { StatusBadge } from '#app/components/ui'
import { useLiveStatus } from '#app/components/use-live-status'
import { config } from '#app/config.server'
import { NotFoundError } from '#app/errors'
import type { FormRefusal } from '#app/forms.server'
import { baseUrlOf, presentImage, presentListItem } from '#app/images/present.server'
import { listNavigation } from '#app/images/neighbors.server'
import { placeholderDataUrl } from '#app/images/placeholder'
import { getVisibleImage, mayManage } from '#app/images/queries.server'
import { isTerminal } from '#app/images/status'
import { AnalysisSection } from './components/analysis-section'
import { EmbedSection } from './components/embed-section'
import { ImageActions } from './components/image-actions'
import { ProcessingPreview } from './components/processing-preview'
import { Section } from './components/section'
import { SharingSection } from './components/sharing-section'
import { SimilarSection } from './components/similar-section'
import { ShareLinks } from '#app/components/share-links'
import { presentShareLinksOf } from '#app/sharing/links.server'
import { similarImages } from '#app/search/similar.server'

/** "More like this": two rows of three. */
const SIMILAR_ON_PAGE = 6

export { action } from './action.server'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.image.filename} · Darkroom` : 'Image · Darkroom' },
]

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	try {
		const row = await getVisibleImage(user, params.id!)
		const signing = { baseUrl: baseUrlOf(request), viewerId: user.id }
		const [image, { neighbors, backTo }, similar] = await Promise.all([
			presentImage(row, signing),
			// Previous/next and "All images" follow the list it was opened from.
			listNavigation(user.id, row.id, new URL(request.url).searchParams),
			similarImages(user, row.id, SIMILAR_ON_PAGE),
		])
		const times: StageTimes = {
			createdAt: row.createdAt.toISOString(),
			processingStartedAt: row.processingStartedAt?.toISOString() ?? null,
			processedAt: row.processedAt?.toISOString() ?? null,
			aiCompletedAt: row.aiCompletedAt?.toISOString() ?? null,
		}
		return {
			image,
			times,
			neighbors,
			backTo,
			placeholder: row.placeholder,
			similar: {
				basis: similar.basis,
				items: await Promise.all(similar.rows.map((item) => presentListItem(item, signing))),
			},
			servedAt: new Date().toISOString(),
			trashDays: config.trashDays,
			// Someone else's shared image: view and download only (an admin may change it).
			canManage: mayManage(user, row),
			shareLinks: image.yours
				? await presentShareLinksOf(user.id, { imageId: row.id }, baseUrlOf(request))
				: null,
		}
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		throw error
	}
}

/** Types every current browser draws in an <img> (not HEIC, not TIFF). */
const browserShows = (contentType: string) =>
	['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'].includes(contentType)

export default function ImageDetail() {
	const {
		image,
		times,
		neighbors,
		backTo,
		placeholder,
		servedAt,
		trashDays,
		canManage,
		shareLinks,
		similar,
	} = useLoaderData<typeof loader>()
	const refused = useActionData<FormRefusal>()
	const working = !isTerminal(image.overallStatus)
	useLiveStatus(working)
	const preview =
		image.variants.optimized ?? (image.status === 'completed' ? image.variants.original : null)

	return (
		<article className="space-y-6">
			{working ? (
				<noscript>
					<meta httpEquiv="refresh" content="2" />
				</noscript>
			) : null}
			<header className="space-y-3">
				<div className="flex flex-wrap items-center gap-3">
					<Link
						to={backTo}
						className="text-sm text-zinc-600 underline focus-visible:outline-2 focus-visible:outline-indigo-600"
					>
						← All images
					</Link>
					{/* The whole name, wrapped (anywhere: names rarely have spaces), never cut short. */}
					<h1 className="min-w-0 flex-1 basis-48 text-2xl font-semibold wrap-anywhere">
						{image.filename}
					</h1>
					<span data-testid="overall-status" role="status">
						<StatusBadge status={image.overallStatus} />
					</span>
				</div>
				<NeighborNav previous={neighbors.previous} next={neighbors.next} />
			</header>

			<div className="grid min-w-0 gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
				<div className="min-w-0 space-y-6">
					{preview ? (
						<ImageViewer
							// A fresh viewer (fitted) for each image.
							key={image.id}
							src={preview.url}
							alt={image.filename}
							width={preview.width}
							height={preview.height}
							flagged={image.ai?.safety.flagged ?? false}
							categories={image.ai?.safety.categories ?? []}
							fullSizeUrl={image.variants.original.url}
							originalWidth={image.variants.original.width}
							originalShowable={browserShows(image.variants.original.contentType)}
						/>
					) : (
						<ProcessingPreview
							failed={image.status === 'failed'}
							working={working}
							placeholder={placeholderDataUrl(placeholder)}
							originalUrl={image.variants.original.url}
						/>
					)}

					<Section title="Details">
						<MetadataTable image={image} />
					</Section>

					<SimilarSection items={similar.items} basis={similar.basis} />
				</div>

				<div className="min-w-0 space-y-6">
					<Section title="Progress">
						<StageTimeline
							times={times}
							status={image.status}
							aiStatus={image.aiStatus}
							error={image.error}
							aiError={image.aiError}
						/>
					</Section>

					{image.ai ? <AnalysisSection ai={image.ai} /> : null}

					<Section title="Files">
						<VariantFiles
							imageId={image.id}
							variants={image.variants}
							urlsExpireAt={image.urlsExpireAt}
							servedAt={servedAt}
						/>
					</Section>

					<EmbedSection image={image} placeholder={placeholderDataUrl(placeholder)} />

					<SharingSection
						visibility={image.visibility}
						ownerEmail={image.owner.email}
						yours={image.yours}
						canManage={canManage}
					/>

					{shareLinks ? (
						<ShareLinks
							target={{ imageId: image.id }}
							links={shareLinks}
							back={`/images/${image.id}`}
						/>
					) : null}

					{canManage ? (
						<ImageActions
							imageId={image.id}
							canAnalyze={image.status === 'completed' && image.aiStatus !== 'skipped'}
							backTo={backTo}
							trashDays={trashDays}
							refusal={refused?.error}
						/>
					) : null}
				</div>
			</div>
		</article>
	)
}
