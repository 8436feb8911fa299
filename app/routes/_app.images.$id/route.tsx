import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { requirePageUser } from '#app/auth/auth.server'
import { CopyButton } from '#app/components/copy-button'
import { DeleteConfirm, deleteImagesText } from '#app/components/delete-confirm'
import { MetadataTable } from '#app/components/image-metadata'
import { ImageViewer } from '#app/components/image-viewer'
import { NeighborNav } from '#app/components/neighbor-nav'
import { StageTimeline, type StageTimes } from '#app/components/stage-timeline'
import { VariantFiles } from '#app/components/variant-files'
import { secondaryButtonClass, StatusBadge, TagLink } from '#app/components/ui'
import { useLiveStatus } from '#app/components/use-live-status'
import { config } from '#app/config.server'
import { AppError, NotFoundError } from '#app/errors'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { reprocessImages } from '#app/images/process.server'
import { listNavigation } from '#app/images/neighbors.server'
import { placeholderDataUrl } from '#app/images/placeholder'
import { getOwnedImage } from '#app/images/queries.server'
import { isTerminal } from '#app/images/status'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.image.filename} · Darkroom` : 'Image · Darkroom' },
]

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	try {
		const row = await getOwnedImage(user.id, params.id!)
		const [image, { neighbors, backTo }] = await Promise.all([
			presentImage(row, { baseUrl: baseUrlOf(request) }),
			// Previous/next and "All images" follow the list it was opened from.
			listNavigation(user.id, row.id, new URL(request.url).searchParams),
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
			servedAt: new Date().toISOString(),
			trashDays: config.trashDays,
		}
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		throw error
	}
}

export async function action(args: ActionFunctionArgs) {
	const { request, params, context } = args
	const { user } = await requirePageUser(args)
	const intent = (await request.formData()).get('intent')
	try {
		// The same per-user budget as POST /api/images/{id}/process.
		await limitRequest(args, 'process', user.id)
		const stages = intent === 'analyze' ? (['ai'] as const) : (['image', 'ai'] as const)
		await reprocessImages(user.id, [params.id!], [...stages], context.requestId)
		// Back to the same list context (previous/next, "All images").
		return redirect(`/images/${params.id}${new URL(request.url).search}`)
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		// Rate limited and the like: the error page shows the message.
		if (error instanceof AppError && error.status < 500) {
			throw new Response(error.message, { status: error.status, headers: error.headers })
		}
		throw error
	}
}

/** Types every current browser draws in an <img> (not HEIC, not TIFF). */
const browserShows = (contentType: string) =>
	['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'].includes(contentType)

export default function ImageDetail() {
	const { image, times, neighbors, backTo, placeholder, servedAt, trashDays } =
		useLoaderData<typeof loader>()
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

					<Section title="Actions">
						<div className="flex flex-wrap gap-3">
							<Form method="post">
								<button
									type="submit"
									name="intent"
									value="process"
									className={secondaryButtonClass}
								>
									Process again
								</button>
							</Form>
							{image.status === 'completed' && image.aiStatus !== 'skipped' ? (
								<Form method="post">
									<button
										type="submit"
										name="intent"
										value="analyze"
										className={secondaryButtonClass}
									>
										Analyse again
									</button>
								</Form>
							) : null}
							{/* The one delete pattern: a confirmation page, or a dialog once the page runs. */}
							<Form method="get" action="/images/delete">
								<input type="hidden" name="id" value={image.id} />
								{/* Undo then shows on the list this image was opened from. */}
								<input type="hidden" name="back" value={backTo} />
								<DeleteConfirm
									label="Delete"
									fields={() => [
										['id', image.id],
										['back', backTo],
									]}
									postAction="/images/delete"
									text={() => deleteImagesText(1, trashDays)}
								/>
							</Form>
						</div>
					</Section>
				</div>
			</div>
		</article>
	)
}

type Ai = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['image']['ai']>

function AnalysisSection({ ai }: { ai: Ai }) {
	return (
		<Section title="Analysis">
			<div className="space-y-3 text-sm" data-testid="analysis">
				{ai.summary ? <p>{ai.summary}</p> : null}
				{ai.tags.length ? (
					<ul className="flex flex-wrap gap-1.5" aria-label="Tags">
						{ai.tags.map((tag) => (
							<li key={tag}>
								<TagLink tag={tag} />
							</li>
						))}
					</ul>
				) : null}
				{ai.ocrText ? (
					<div>
						<div className="mb-1 flex items-center justify-between">
							<h3 className="font-medium">Text in the image</h3>
							<CopyButton text={ai.ocrText} />
						</div>
						<pre
							className="max-h-48 overflow-auto rounded bg-zinc-50 p-2 font-sans text-xs whitespace-pre-wrap"
							data-testid="ocr-text"
						>
							{ai.ocrText}
						</pre>
					</div>
				) : null}
				<p data-testid="safety">
					{ai.safety.flagged ? (
						<span className="font-medium text-red-700">
							Flagged{ai.safety.categories.length ? `: ${ai.safety.categories.join(', ')}` : ''}
						</span>
					) : (
						<span className="text-emerald-800">Not flagged</span>
					)}
					<span className="text-zinc-600">
						{' '}
						·{' '}
						{ai.safety.source === 'moderation'
							? 'moderation check'
							: ai.safety.source === 'model'
								? "model's own assessment"
								: 'no safety check'}
					</span>
				</p>
				<p className="text-xs text-zinc-600" data-testid="ai-cost">
					{ai.model} · {ai.inputTokens.toLocaleString('en')} in /{' '}
					{ai.outputTokens.toLocaleString('en')} out tokens · ${ai.costUsd.toFixed(6)}
				</p>
			</div>
		</Section>
	)
}

/** Until there is an optimized copy: the blurred ThumbHash (when known) and what is happening. */
function ProcessingPreview({
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

function Section({ title, children }: { title: string; children: ReactNode }) {
	const id = `section-${title.toLowerCase()}`
	return (
		<section
			aria-labelledby={id}
			className="min-w-0 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-5"
		>
			<h2 id={id} className="mb-3 text-sm font-semibold tracking-wide text-zinc-600 uppercase">
				{title}
			</h2>
			{children}
		</section>
	)
}
