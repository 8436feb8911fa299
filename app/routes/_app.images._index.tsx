import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { overallStatuses } from '../../db/statuses'
import { requirePageUser } from '~/auth/auth.server'
import { FlaggedImage } from '~/components/flagged-image'
import { Alert, buttonClass, secondaryButtonClass, StatusBadge, TagLink } from '~/components/ui'
import { useLiveStatus } from '~/components/use-live-status'
import { AppError } from '~/errors'
import { limitRequest } from '~/http/rate-limit.server'
import { baseUrlOf, presentListItem } from '~/images/present.server'
import { listImages, parseListQuery } from '~/images/queries.server'
import { isTerminal } from '~/images/status'
import { uploadImage } from '~/images/upload.server'

export const meta: MetaFunction = () => [{ title: 'Your images · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export async function loader({ request }: LoaderFunctionArgs) {
	const { user } = await requirePageUser(request)
	const url = new URL(request.url)
	let query
	try {
		query = parseListQuery(url.searchParams)
	} catch {
		// A hand-edited bad query string falls back to the first page, unfiltered.
		throw redirect('/images')
	}
	const { rows, ...page } = await listImages(user.id, query)
	const baseUrl = baseUrlOf(request)
	const items = await Promise.all(rows.map((row) => presentListItem(row, { baseUrl })))
	return { items, ...page, status: query.status ?? '', q: query.q ?? '', tag: query.tag ?? '' }
}

export async function action(args: ActionFunctionArgs) {
	const { request, context } = args
	const { user } = await requirePageUser(request)
	try {
		// The same per-user upload budget as POST /api/images.
		await limitRequest(args, 'upload', user.id)
		const { image } = await uploadImage({ request, userId: user.id, requestId: context.requestId })
		return redirect(`/images/${image.id}`)
	} catch (error) {
		if (error instanceof AppError && error.status < 500) {
			// The real status (429, 403 over quota, 415…) with the message on the page.
			return data({ error: error.message }, { status: error.status, headers: error.headers })
		}
		if (error instanceof AppError) {
			return { error: `${error.message} Please try again in a moment.` }
		}
		throw error
	}
}

export default function Gallery() {
	const { items, page, totalPages, total, status, q, tag } = useLoaderData<typeof loader>()
	const data = useActionData<typeof action>()
	const navigation = useNavigation()
	const uploading = navigation.state === 'submitting' && navigation.formMethod === 'POST'
	const working = items.some((item) => !isTerminal(item.overallStatus))
	useLiveStatus(true, working)

	const filters: Record<string, string> = {
		...(status ? { status } : {}),
		...(q ? { q } : {}),
		...(tag ? { tag } : {}),
	}
	const filtered = Object.keys(filters).length > 0
	const pageLink = (n: number) => `?${new URLSearchParams({ ...filters, page: String(n) })}`
	const withoutTag = () => {
		const rest = { ...filters }
		delete rest.tag
		return `?${new URLSearchParams(rest)}`
	}

	return (
		<div className="space-y-8">
			<section
				aria-labelledby="upload-heading"
				className="rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
			>
				<h1 id="upload-heading" className="text-xl font-semibold">
					Upload an image
				</h1>
				<p className="mt-1 text-sm text-zinc-600">
					JPEG, PNG, WebP, TIFF, GIF, AVIF or HEIC, up to the server's size limit.
				</p>
				<Form
					method="post"
					encType="multipart/form-data"
					className="mt-4 flex flex-wrap items-center gap-3"
				>
					<label htmlFor="file" className="sr-only">
						Image file
					</label>
					<input
						id="file"
						name="file"
						type="file"
						accept="image/*,.heic,.heif"
						required
						className="block text-sm file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-2 file:text-sm file:font-medium hover:file:bg-zinc-200"
					/>
					<button type="submit" className={buttonClass} disabled={uploading}>
						{uploading ? 'Uploading…' : 'Upload'}
					</button>
				</Form>
				{data?.error ? (
					<div className="mt-4">
						<Alert>{data.error}</Alert>
					</div>
				) : null}
			</section>

			<section aria-labelledby="gallery-heading">
				<div className="flex flex-wrap items-end justify-between gap-3">
					<h2 id="gallery-heading" className="text-lg font-semibold">
						Your images <span className="font-normal text-zinc-500">({total})</span>
					</h2>
					<Form method="get" role="search" className="flex flex-wrap items-center gap-2 text-sm">
						<label htmlFor="q" className="sr-only">
							Search
						</label>
						<input
							id="q"
							name="q"
							type="search"
							defaultValue={q}
							placeholder="Search text, tags, names…"
							className="w-56 rounded-md border border-zinc-300 bg-white px-2 py-1.5"
						/>
						{tag ? <input type="hidden" name="tag" value={tag} /> : null}
						<label htmlFor="status">Status</label>
						<select
							id="status"
							name="status"
							defaultValue={status}
							className="rounded-md border border-zinc-300 bg-white px-2 py-1.5"
						>
							<option value="">All</option>
							{overallStatuses.map((s) => (
								<option key={s} value={s}>
									{s}
								</option>
							))}
						</select>
						<button type="submit" className={secondaryButtonClass}>
							Apply
						</button>
					</Form>
				</div>
				{tag ? (
					<p className="mt-3 text-sm">
						Tagged <span className="font-medium">{tag}</span> ·{' '}
						<Link to={withoutTag()} className="underline">
							clear tag
						</Link>
					</p>
				) : null}

				{items.length === 0 ? (
					<p className="mt-6 rounded-lg border border-dashed border-zinc-300 p-10 text-center text-zinc-600">
						{filtered ? (
							<>
								No images match these filters.{' '}
								<Link to="/images" className="underline">
									Show all images
								</Link>
							</>
						) : (
							'No images yet. Upload your first one above.'
						)}
					</p>
				) : (
					<ul
						className="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4"
						data-testid="gallery"
					>
						{items.map((item) => (
							<li
								key={item.id}
								className="overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm"
							>
								<div className="flex aspect-square items-center justify-center bg-zinc-100">
									{item.thumbnailUrl ? (
										item.safety?.flagged ? (
											// Not a link: the first click reveals, it does not navigate.
											<FlaggedImage
												flagged
												categories={item.safety.categories}
												src={item.thumbnailUrl}
												alt={item.filename}
												loading="lazy"
												className="max-h-full max-w-full object-contain"
											/>
										) : (
											<Link
												to={`/images/${item.id}`}
												tabIndex={-1}
												className="flex size-full items-center justify-center"
											>
												<img
													src={item.thumbnailUrl}
													alt={item.filename}
													loading="lazy"
													className="max-h-full max-w-full object-contain"
												/>
											</Link>
										)
									) : (
										<span className="text-sm text-zinc-500">
											{item.overallStatus === 'failed' ? 'No preview' : 'Processing…'}
										</span>
									)}
								</div>
								<div className="flex items-center justify-between gap-2 p-2">
									<Link
										to={`/images/${item.id}`}
										className="truncate text-sm font-medium hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
										title={item.filename}
									>
										{item.filename}
									</Link>
									<StatusBadge status={item.overallStatus} />
								</div>
								{item.tags.length ? (
									<div className="flex flex-wrap gap-1 px-2 pb-2">
										{item.tags.slice(0, 4).map((t) => (
											<TagLink key={t} tag={t} />
										))}
									</div>
								) : null}
							</li>
						))}
					</ul>
				)}

				{totalPages > 1 ? (
					<nav aria-label="Pages" className="mt-6 flex items-center justify-center gap-4 text-sm">
						{page > 1 ? (
							<Link to={pageLink(page - 1)} className={secondaryButtonClass} rel="prev">
								Previous
							</Link>
						) : null}
						<span>
							Page {page} of {totalPages}
						</span>
						{page < totalPages ? (
							<Link to={pageLink(page + 1)} className={secondaryButtonClass} rel="next">
								Next
							</Link>
						) : null}
					</nav>
				) : null}
				{working ? (
					<noscript>
						<p className="mt-4 text-center text-sm">
							Some images are still processing.{' '}
							<a href="" className="underline">
								Refresh
							</a>{' '}
							to see their progress.
						</p>
					</noscript>
				) : null}
			</section>
		</div>
	)
}
