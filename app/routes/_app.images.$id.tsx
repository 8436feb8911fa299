import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { requirePageUser } from '~/auth/auth.server'
import { CopyButton } from '~/components/copy-button'
import { FlaggedImage } from '~/components/flagged-image'
import { formatBytes, secondaryButtonClass, StatusBadge, TagLink } from '~/components/ui'
import { useLiveStatus } from '~/components/use-live-status'
import { AppError, NotFoundError } from '~/errors'
import { limitRequest } from '~/http/rate-limit.server'
import { deleteImage } from '~/images/delete.server'
import { baseUrlOf, presentImage } from '~/images/present.server'
import { reprocessImages } from '~/images/process.server'
import { getOwnedImage } from '~/images/queries.server'
import { isTerminal } from '~/images/status'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.image.filename} · Darkroom` : 'Image · Darkroom' },
]

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { user } = await requirePageUser(request)
	try {
		const image = await getOwnedImage(user.id, params.id!)
		return { image: await presentImage(image, { baseUrl: baseUrlOf(request) }) }
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		throw error
	}
}

export async function action(args: ActionFunctionArgs) {
	const { request, params, context } = args
	const { user } = await requirePageUser(request)
	const intent = (await request.formData()).get('intent')
	try {
		if (intent === 'delete') {
			await deleteImage(user.id, params.id!)
			return redirect('/images')
		}
		// The same per-user budget as POST /api/images/{id}/process.
		await limitRequest(args, 'process', user.id)
		const stages = intent === 'analyze' ? (['ai'] as const) : (['image', 'ai'] as const)
		await reprocessImages(user.id, [params.id!], [...stages], context.requestId)
		return redirect(`/images/${params.id}`)
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		// Rate limited and the like: the error page shows the message.
		if (error instanceof AppError && error.status < 500) {
			throw new Response(error.message, { status: error.status, headers: error.headers })
		}
		throw error
	}
}

export default function ImageDetail() {
	const { image } = useLoaderData<typeof loader>()
	const working = !isTerminal(image.overallStatus)
	useLiveStatus(working)
	const preview = image.variants.optimized ?? image.variants.thumbnail
	const exif = image.metadata?.exif
	const gps = image.metadata?.gps

	return (
		<article className="space-y-6">
			{working ? (
				<noscript>
					<meta httpEquiv="refresh" content="2" />
				</noscript>
			) : null}
			<div className="flex flex-wrap items-center gap-3">
				<Link to="/images" className="text-sm text-zinc-600 underline">
					← All images
				</Link>
				<h1 className="min-w-0 flex-1 truncate text-2xl font-semibold" title={image.filename}>
					{image.filename}
				</h1>
				<span data-testid="overall-status">
					<StatusBadge status={image.overallStatus} />
				</span>
			</div>

			<div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
				<div className="flex min-h-64 items-center justify-center overflow-hidden rounded-xl border border-zinc-200 bg-zinc-100">
					{preview ? (
						<FlaggedImage
							flagged={image.ai?.safety.flagged ?? false}
							categories={image.ai?.safety.categories ?? []}
							src={preview.url}
							alt={image.filename}
							width={preview.width}
							height={preview.height}
							className="max-h-[70vh] w-auto object-contain"
						/>
					) : (
						<p className="p-10 text-center text-zinc-600" role="status">
							{image.status === 'failed'
								? 'No preview: processing failed.'
								: 'Making the thumbnail and optimized copy…'}
							{working ? (
								<noscript>
									<br />
									This page refreshes by itself.{' '}
									<a href="" className="underline">
										Refresh now
									</a>
								</noscript>
							) : null}
						</p>
					)}
				</div>

				<div className="space-y-6">
					<Section title="Status">
						<dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
							<dt className="text-zinc-500">Image stage</dt>
							<dd data-testid="image-status">
								<StatusBadge status={image.status} />
							</dd>
							<dt className="text-zinc-500">AI analysis</dt>
							<dd data-testid="ai-status">
								<StatusBadge status={image.aiStatus} />
							</dd>
						</dl>
						{image.error ? (
							<p role="alert" className="mt-3 text-sm text-red-700">
								{image.error}
							</p>
						) : null}
						{image.aiError ? <p className="mt-3 text-sm text-zinc-600">{image.aiError}</p> : null}
					</Section>

					{image.ai ? <AnalysisSection ai={image.ai} /> : null}

					<Section title="Files">
						<ul className="space-y-2 text-sm">
							{(['original', 'optimized', 'thumbnail'] as const).map((name) => {
								const variant = image.variants[name]
								return (
									<li key={name} className="flex items-center justify-between gap-2">
										{variant ? (
											<a
												href={variant.url}
												className="font-medium text-indigo-700 underline"
												data-variant={name}
											>
												{name[0]!.toUpperCase() + name.slice(1)}
											</a>
										) : (
											<span className="text-zinc-500">
												{name[0]!.toUpperCase() + name.slice(1)} (not ready)
											</span>
										)}
										{variant ? (
											<span className="text-zinc-500">
												{variant.width}×{variant.height} · {formatBytes(variant.byteSize)}
											</span>
										) : null}
									</li>
								)
							})}
						</ul>
						<p className="mt-3 text-xs text-zinc-500">
							Links expire at {new Date(image.urlsExpireAt).toLocaleTimeString()}; reload the page
							for fresh ones.
						</p>
					</Section>

					<Section title="Details">
						<dl
							className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm"
							data-testid="metadata"
						>
							<Row label="Dimensions" value={`${image.width} × ${image.height}`} />
							<Row label="Format" value={image.format.toUpperCase()} />
							<Row label="Size" value={formatBytes(image.byteSize)} />
							<Row label="Uploaded" value={new Date(image.createdAt).toLocaleString()} />
							<Row label="Camera" value={camera(exif)} />
							<Row label="Lens" value={exif?.lens} />
							<Row
								label="Taken"
								value={exif?.takenAt ? new Date(exif.takenAt).toLocaleString() : null}
							/>
							<Row label="Exposure" value={exposure(exif)} />
							<Row label="Colour space" value={image.metadata?.space} />
							<Row
								label="Location"
								value={
									gps ? (
										<a
											className="text-indigo-700 underline"
											href={`https://www.openstreetmap.org/?mlat=${gps.latitude}&mlon=${gps.longitude}#map=15/${gps.latitude}/${gps.longitude}`}
											rel="noreferrer noopener"
											target="_blank"
										>
											{gps.latitude.toFixed(5)}, {gps.longitude.toFixed(5)}
										</a>
									) : null
								}
							/>
							<Row
								label="SHA-256"
								value={<code className="text-xs break-all">{image.sha256}</code>}
							/>
						</dl>
						{gps ? (
							<p className="mt-2 text-xs text-zinc-500">
								Location is visible only to you and is never in the generated files.
							</p>
						) : null}
					</Section>

					<div className="flex flex-wrap gap-3">
						<Form method="post">
							<button type="submit" name="intent" value="process" className={secondaryButtonClass}>
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
						<Form
							method="post"
							onSubmit={(event) => {
								if (!confirm('Delete this image and all its files?')) event.preventDefault()
							}}
						>
							<button
								type="submit"
								name="intent"
								value="delete"
								className="inline-flex items-center rounded-md border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50"
							>
								Delete
							</button>
						</Form>
					</div>
				</div>
			</div>
		</article>
	)
}

type Exif = NonNullable<
	NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['image']['metadata']>['exif']
>

// "Canon" + "Canon EOS R5" reads as "Canon EOS R5", not "Canon Canon EOS R5".
function camera(exif: Exif | null | undefined) {
	if (!exif?.model) return exif?.make ?? null
	if (!exif.make || exif.model.toLowerCase().startsWith(exif.make.toLowerCase())) return exif.model
	return `${exif.make} ${exif.model}`
}

function exposure(exif: Exif | null | undefined) {
	if (!exif) return null
	const parts = [
		exif.exposureTime
			? exif.exposureTime < 1
				? `1/${Math.round(1 / exif.exposureTime)} s`
				: `${exif.exposureTime} s`
			: null,
		exif.fNumber ? `f/${exif.fNumber}` : null,
		exif.iso ? `ISO ${exif.iso}` : null,
		exif.focalLength ? `${exif.focalLength} mm` : null,
	].filter(Boolean)
	return parts.length ? parts.join(' · ') : null
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
					<span className="text-zinc-500">
						{' '}
						·{' '}
						{ai.safety.source === 'moderation'
							? 'moderation check'
							: ai.safety.source === 'model'
								? "model's own assessment"
								: 'no safety check'}
					</span>
				</p>
				<p className="text-xs text-zinc-500" data-testid="ai-cost">
					{ai.model} · {ai.inputTokens.toLocaleString('en')} in /{' '}
					{ai.outputTokens.toLocaleString('en')} out tokens · ${ai.costUsd.toFixed(6)}
				</p>
			</div>
		</Section>
	)
}

function Section({ title, children }: { title: string; children: ReactNode }) {
	return (
		<section className="rounded-xl border border-zinc-200 bg-white p-5 shadow-sm">
			<h2 className="mb-3 text-sm font-semibold tracking-wide text-zinc-500 uppercase">{title}</h2>
			{children}
		</section>
	)
}

function Row({ label, value }: { label: string; value: ReactNode }) {
	if (value === null || value === undefined || value === '') return null
	return (
		<>
			<dt className="text-zinc-500">{label}</dt>
			<dd className="min-w-0">{value}</dd>
		</>
	)
}
