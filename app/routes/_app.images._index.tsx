import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import {
	Form,
	Link,
	useActionData,
	useLoaderData,
	useNavigation,
	useRevalidator,
} from '@remix-run/react'
import { type FormEvent, type SyntheticEvent, useEffect, useRef, useState } from 'react'
import { z } from 'zod'
import { overallStatuses } from '../../db/statuses'
import { requirePageUser } from '~/auth/auth.server'
import { FlaggedImage } from '~/components/flagged-image'
import { Alert, buttonClass, secondaryButtonClass, StatusBadge, TagLink } from '~/components/ui'
import { UploadQueueList, useUploadQueue } from '~/components/upload-queue'
import { useLiveStatus } from '~/components/use-live-status'
import { useRovingGrid } from '~/components/use-roving-grid'
import { config } from '~/config.server'
import { AppError, ValidationError } from '~/errors'
import { formatBytes } from '~/format'
import { parseInput } from '~/http/input.server'
import { limitBatch, limitRequest } from '~/http/rate-limit.server'
import { deleteImage } from '~/images/delete.server'
import { placeholderDataUrl } from '~/images/placeholder'
import { baseUrlOf, presentListItem } from '~/images/present.server'
import { reprocessImages } from '~/images/process.server'
import { imageTypes, listSorts } from '~/images/list-options'
import { listImages, parseListQuery } from '~/images/queries.server'
import { isTerminal } from '~/images/status'
import { admitUpload } from '~/images/upload-admission.server'
import { type BatchOutcome, uploadBatch } from '~/images/upload-batch.server'

export const meta: MetaFunction = () => [{ title: 'Your images · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

/** The longest side of a thumbnail (THUMBNAIL_MAX_SIZE's default): the grid's box. */
const THUMBNAIL_BOX = 256

const sortLabels: Record<(typeof listSorts)[number], string> = {
	newest: 'Newest first',
	oldest: 'Oldest first',
	name: 'Name (A–Z)',
	size: 'Largest first',
}

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
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
	return {
		items,
		...page,
		filters: {
			status: query.status ?? '',
			q: query.q ?? '',
			tag: query.tag ?? '',
			type: query.type ?? '',
			from: query.from ?? '',
			to: query.to ?? '',
		},
		sort: query.sort,
		maxUploadBytes: config.maxUploadBytes,
	}
}

const bulkSchema = z.object({
	intent: z.enum(['delete', 'delete-confirmed', 'reprocess']),
	id: z
		.array(z.uuid())
		.min(1, 'Select at least one image first.')
		.max(100, 'Select at most 100 images at a time.'),
})

type ActionResult =
	{ uploads: BatchOutcome[] } | { confirmDelete: string[] } | { notice: string } | { error: string }

export async function action(args: ActionFunctionArgs) {
	const { request, context } = args
	const { user } = await requirePageUser(args)
	const contentType = request.headers.get('Content-Type') ?? ''
	try {
		if (contentType.toLowerCase().startsWith('multipart/form-data')) {
			return await uploadFromForm(args, user.id)
		}
		const form = await request.formData()
		const { intent, id: ids } = parseInput(bulkSchema, {
			intent: form.get('intent'),
			id: form.getAll('id'),
		})
		if (intent === 'delete') return { confirmDelete: ids } satisfies ActionResult
		if (intent === 'reprocess') {
			await limitBatch(args, 'process', user.id, new Set(ids).size)
			await reprocessImages(user.id, ids, ['image', 'ai'], context.requestId)
			return { notice: `Processing ${plural(ids.length)} again.` } satisfies ActionResult
		}
		await limitRequest(args, 'process', user.id)
		let deleted = 0
		for (const id of new Set(ids)) {
			// One already gone (deleted in another tab) is no reason to stop.
			deleted += await deleteImage(user.id, id).then(
				() => 1,
				(error: unknown) => {
					if (error instanceof AppError && error.status === 404) return 0
					throw error
				},
			)
		}
		return { notice: `Deleted ${plural(deleted)}.` } satisfies ActionResult
	} catch (error) {
		if (error instanceof ValidationError) {
			const message = error.errors?.[0]?.message ?? error.message
			return data({ error: message } satisfies ActionResult, { status: 422 })
		}
		if (error instanceof AppError && error.status < 500) {
			// The real status (429, 403 over quota, 415…) with the message on the page.
			return data({ error: error.message } satisfies ActionResult, {
				status: error.status,
				headers: error.headers,
			})
		}
		if (error instanceof AppError) {
			return { error: `${error.message} Please try again in a moment.` } satisfies ActionResult
		}
		throw error
	}
}

/** The plain form (no JavaScript): one file lands on its page, several on the gallery. */
async function uploadFromForm(args: ActionFunctionArgs, userId: string) {
	// Before the body is read, as for the API: the first file counts now, each
	// further one as its part begins; a refused form costs no bandwidth or disk.
	const countFile = () => limitRequest(args, 'upload', userId)
	await countFile()
	const outcomes = await admitUpload(userId, () =>
		uploadBatch({ request: args.request, userId, requestId: args.context.requestId, countFile }),
	)
	const stored = outcomes.filter((o) => 'imageId' in o)
	if (stored.length === outcomes.length) {
		throw redirect(stored.length === 1 ? `/images/${stored[0]!.imageId}` : '/images')
	}
	const failed = outcomes.filter((o) => 'error' in o)
	// All refused: the first refusal's status and headers (429 Retry-After…), as for one file.
	const first = stored.length === 0 ? failed[0] : undefined
	return data({ uploads: outcomes } satisfies ActionResult, {
		status: first?.status ?? 200,
		headers: first?.headers,
	})
}

const plural = (n: number) => `${n} image${n === 1 ? '' : 's'}`

/** The thumbnail's size: the original scaled into the box, never up. */
function thumbnailSize(width: number, height: number) {
	const scale = Math.min(1, THUMBNAIL_BOX / Math.max(width, height))
	return {
		width: Math.max(1, Math.round(width * scale)),
		height: Math.max(1, Math.round(height * scale)),
	}
}

export default function Gallery() {
	const { items, page, totalPages, total, filters, sort, maxUploadBytes } =
		useLoaderData<typeof loader>()
	const result = useActionData<typeof action>() as ActionResult | undefined
	const navigation = useNavigation()
	const { revalidate } = useRevalidator()
	const uploading =
		navigation.state === 'submitting' && navigation.formEncType === 'multipart/form-data'
	const working = items.some((item) => !isTerminal(item.overallStatus))
	useLiveStatus(true, working)

	const queue = useUploadQueue({ onUploaded: revalidate, maxBytes: maxUploadBytes })
	const statusById = new Map(items.map((item) => [item.id, item.overallStatus]))
	const [dragging, setDragging] = useState(false)
	const acceptsDrops = usePageDrops(queue.add, setDragging)

	const fileInput = useRef<HTMLInputElement>(null)
	const onUploadSubmit = (event: FormEvent<HTMLFormElement>) => {
		// With JavaScript the files go to the queue; the page stays here.
		event.preventDefault()
		const input = fileInput.current
		if (!input?.files?.length) return
		queue.add(input.files)
		input.value = ''
	}

	const active = Object.fromEntries(Object.entries(filters).filter(([, value]) => value))
	const filtered = Object.keys(active).length > 0
	const listParams = { ...active, ...(sort !== 'newest' ? { sort } : {}) }
	const pageLink = (n: number) => `?${new URLSearchParams({ ...listParams, page: String(n) })}`
	const withoutTag = () => {
		const rest: Record<string, string> = { ...listParams }
		delete rest.tag
		return `?${new URLSearchParams(rest)}`
	}
	const clearFilters = sort !== 'newest' ? `?${new URLSearchParams({ sort })}` : '/images'

	return (
		<div className="space-y-8">
			<section
				aria-labelledby="upload-heading"
				data-testid="drop-zone"
				// Present once drops and pastes are listened for (after hydration).
				data-enhanced={acceptsDrops ? 'true' : undefined}
				className={`rounded-xl border-2 border-dashed bg-white p-4 shadow-sm sm:p-6 ${
					dragging ? 'border-indigo-600 bg-indigo-50' : 'border-zinc-300'
				}`}
			>
				<h1 id="upload-heading" className="text-xl font-semibold">
					Upload images
				</h1>
				<p className="mt-1 text-sm text-zinc-600">
					Choose files, drag them anywhere onto this page, or paste an image. JPEG, PNG, WebP, TIFF,
					GIF, AVIF or HEIC, up to {formatBytes(maxUploadBytes)} each.
				</p>
				<form
					method="post"
					encType="multipart/form-data"
					onSubmit={onUploadSubmit}
					className="mt-4 flex flex-wrap items-center gap-3"
				>
					<label htmlFor="file" className="sr-only">
						Image file
					</label>
					<input
						ref={fileInput}
						id="file"
						name="file"
						type="file"
						multiple
						accept="image/*,.heic,.heif"
						required
						className="block max-w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-2 file:text-sm file:font-medium hover:file:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-indigo-600"
					/>
					<button type="submit" className={buttonClass} disabled={uploading}>
						{uploading ? 'Uploading…' : 'Upload'}
					</button>
				</form>
				<UploadQueueList
					uploads={queue.uploads}
					statusOf={(id) => statusById.get(id)}
					onRetry={queue.retry}
					onDismiss={queue.dismiss}
					onClearFinished={queue.clearFinished}
				/>
				{result && 'uploads' in result ? <UploadOutcomes outcomes={result.uploads} /> : null}
				{result && 'error' in result ? (
					<div className="mt-4">
						<Alert>{result.error}</Alert>
					</div>
				) : null}
			</section>

			<section aria-labelledby="gallery-heading">
				<div className="flex flex-wrap items-end justify-between gap-3">
					<h2 id="gallery-heading" className="text-lg font-semibold">
						Your images <span className="font-normal text-zinc-600">({total})</span>
					</h2>
				</div>
				<ListFilters filters={filters} sort={sort} />
				{filtered ? (
					<p className="mt-3 text-sm">
						{filters.tag ? (
							<>
								Tagged <span className="font-medium">{filters.tag}</span> ·{' '}
								<Link to={withoutTag()} className="underline">
									clear tag
								</Link>{' '}
								·{' '}
							</>
						) : null}
						<Link to={clearFilters} className="underline">
							Clear filters
						</Link>
					</p>
				) : null}

				{result && 'notice' in result ? (
					<div className="mt-4">
						<Alert tone="info">{result.notice}</Alert>
					</div>
				) : null}

				{items.length === 0 ? (
					<div className="mt-6 rounded-lg border border-dashed border-zinc-300 p-10 text-center text-zinc-600">
						{filtered ? (
							<p>
								No images match these filters.{' '}
								<Link to={clearFilters} className="underline">
									Clear filters
								</Link>{' '}
								to see all your images.
							</p>
						) : (
							<>
								<p>No images yet. Upload your first ones above.</p>
								<p className="mt-1 text-sm">
									Choose files and press Upload, or drop photos anywhere on this page.
								</p>
							</>
						)}
					</div>
				) : (
					<>
						<BulkToolbar
							confirmIds={result && 'confirmDelete' in result ? result.confirmDelete : null}
							itemsKey={items.map((item) => item.id).join()}
						/>
						<Grid items={items} />
					</>
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

/** Files dropped anywhere on the page, or pasted, join the upload queue; true once listening. */
function usePageDrops(add: (files: Iterable<File>) => void, setDragging: (on: boolean) => void) {
	const [listening, setListening] = useState(false)
	useEffect(() => {
		const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false
		let depth = 0
		const onDragEnter = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			depth++
			setDragging(true)
		}
		const onDragLeave = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			depth = Math.max(0, depth - 1)
			if (depth === 0) setDragging(false)
		}
		const onDragOver = (event: DragEvent) => {
			if (!carriesFiles(event)) return
			// Without this the browser would open the file and leave the app.
			event.preventDefault()
			if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
		}
		const onDrop = (event: DragEvent) => {
			depth = 0
			setDragging(false)
			const files = event.dataTransfer?.files
			if (!files?.length) return
			event.preventDefault()
			add(files)
		}
		const onPaste = (event: ClipboardEvent) => {
			const files = [...(event.clipboardData?.files ?? [])].filter((file) =>
				file.type.startsWith('image/'),
			)
			if (files.length === 0) return
			event.preventDefault()
			add(files)
		}
		document.addEventListener('dragenter', onDragEnter)
		document.addEventListener('dragleave', onDragLeave)
		document.addEventListener('dragover', onDragOver)
		document.addEventListener('drop', onDrop)
		document.addEventListener('paste', onPaste)
		setListening(true)
		return () => {
			document.removeEventListener('dragenter', onDragEnter)
			document.removeEventListener('dragleave', onDragLeave)
			document.removeEventListener('dragover', onDragOver)
			document.removeEventListener('drop', onDrop)
			document.removeEventListener('paste', onPaste)
		}
	}, [add, setDragging])
	return listening
}

function UploadOutcomes({ outcomes }: { outcomes: BatchOutcome[] }) {
	const stored = outcomes.filter((o) => 'imageId' in o).length
	return (
		<div className="mt-4">
			<Alert>
				{outcomes.length > 1 ? (
					<p className="font-medium">
						{stored} of {outcomes.length} files uploaded.
					</p>
				) : null}
				<ul className="mt-1 space-y-1" data-testid="upload-outcomes">
					{outcomes.map((outcome, index) => (
						<li key={index}>
							<span className="font-medium">{outcome.filename}</span>:{' '}
							{'error' in outcome ? (
								outcome.error
							) : (
								<>
									uploaded ·{' '}
									<a href={`/images/${outcome.imageId}`} className="underline">
										open
									</a>
								</>
							)}
						</li>
					))}
				</ul>
			</Alert>
		</div>
	)
}

function ListFilters({
	filters,
	sort,
}: {
	filters: { status: string; q: string; tag: string; type: string; from: string; to: string }
	sort: string
}) {
	const field = 'rounded-md border border-zinc-300 bg-white px-2 py-1.5'
	const control = `w-full sm:w-auto ${field}`
	return (
		<Form
			method="get"
			role="search"
			aria-label="Search and filter images"
			// Two columns on a phone (search across both), one wrapping row from sm up.
			className="mt-3 grid grid-cols-2 items-end gap-x-3 gap-y-2 text-sm sm:flex sm:flex-wrap"
		>
			<div className="col-span-2 flex flex-col gap-1">
				<label htmlFor="q" className="sr-only">
					Search
				</label>
				<input
					id="q"
					name="q"
					type="search"
					defaultValue={filters.q}
					placeholder="Search text, tags, names…"
					className={`w-full sm:w-56 ${field}`}
				/>
			</div>
			{filters.tag ? <input type="hidden" name="tag" value={filters.tag} /> : null}
			<div className="flex flex-col gap-1">
				<label htmlFor="sort">Sort</label>
				<select id="sort" name="sort" defaultValue={sort} className={control}>
					{listSorts.map((s) => (
						<option key={s} value={s}>
							{sortLabels[s]}
						</option>
					))}
				</select>
			</div>
			<div className="flex flex-col gap-1">
				<label htmlFor="status">Status</label>
				<select id="status" name="status" defaultValue={filters.status} className={control}>
					<option value="">All</option>
					{overallStatuses.map((s) => (
						<option key={s} value={s}>
							{s}
						</option>
					))}
				</select>
			</div>
			<div className="flex flex-col gap-1">
				<label htmlFor="type">Type</label>
				<select id="type" name="type" defaultValue={filters.type} className={control}>
					<option value="">All</option>
					{imageTypes.map((t) => (
						<option key={t} value={t}>
							{t.toUpperCase()}
						</option>
					))}
				</select>
			</div>
			<div className="flex flex-col gap-1">
				<label htmlFor="from">From</label>
				<input id="from" name="from" type="date" defaultValue={filters.from} className={control} />
			</div>
			<div className="flex flex-col gap-1">
				<label htmlFor="to">To</label>
				<input id="to" name="to" type="date" defaultValue={filters.to} className={control} />
			</div>
			<button type="submit" className={secondaryButtonClass}>
				Apply
			</button>
		</Form>
	)
}

/**
 * Acts on the checked cards (their checkboxes belong to this form through
 * form="bulk"). Deleting asks first: the server answers the first submit with
 * a confirmation, so it works the same without JavaScript.
 */
function BulkToolbar({ confirmIds, itemsKey }: { confirmIds: string[] | null; itemsKey: string }) {
	const [selected, setSelected] = useState<number | null>(null)
	const confirmButton = useRef<HTMLButtonElement>(null)
	const navigation = useNavigation()
	const busy = navigation.state === 'submitting' && navigation.formData?.has('intent')

	useEffect(() => {
		const count = () =>
			setSelected(document.querySelectorAll('input[form="bulk"][name="id"]:checked').length)
		count()
		document.addEventListener('change', count)
		return () => document.removeEventListener('change', count)
	}, [itemsKey])
	useEffect(() => {
		if (confirmIds) confirmButton.current?.focus()
	}, [confirmIds])

	return (
		<div className="mt-4 space-y-3">
			<Form
				id="bulk"
				method="post"
				aria-label="Selected images"
				className="flex flex-wrap items-center gap-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-sm"
			>
				<span className="mr-auto text-zinc-700" aria-live="polite" data-testid="selected-count">
					{selected === null ? 'Tick images to act on several at once.' : `${selected} selected`}
				</span>
				<button
					type="submit"
					name="intent"
					value="reprocess"
					className={secondaryButtonClass}
					disabled={busy || selected === 0}
				>
					Re-process selected
				</button>
				<button
					type="submit"
					name="intent"
					value="delete"
					className="inline-flex items-center justify-center rounded-md border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-800 shadow-sm hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-60"
					disabled={busy || selected === 0}
				>
					Delete selected
				</button>
			</Form>
			{confirmIds ? (
				<Form
					method="post"
					role="group"
					aria-labelledby="confirm-delete-heading"
					className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900"
					data-testid="confirm-delete"
				>
					<h3 id="confirm-delete-heading" className="font-semibold">
						Delete {plural(confirmIds.length)}?
					</h3>
					<p className="mt-1">The images and all their files are removed for good.</p>
					{confirmIds.map((id) => (
						<input key={id} type="hidden" name="id" value={id} />
					))}
					<div className="mt-3 flex flex-wrap gap-2">
						<button
							ref={confirmButton}
							type="submit"
							name="intent"
							value="delete-confirmed"
							className="inline-flex items-center justify-center rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
						>
							Yes, delete {plural(confirmIds.length)}
						</button>
						<Link to="." className={secondaryButtonClass}>
							Cancel
						</Link>
					</div>
				</Form>
			) : null}
		</div>
	)
}

type GridItem = ReturnType<typeof useLoaderData<typeof loader>>['items'][number]

function Grid({ items }: { items: GridItem[] }) {
	const list = useRef<HTMLUListElement>(null)
	const grid = useRovingGrid(list, items.length)
	return (
		<>
			<p id="grid-keys" hidden>
				Arrow keys move between images, Enter opens one, Space selects it.
			</p>
			<ul
				ref={list}
				onKeyDown={grid.onKeyDown}
				aria-label="Images"
				aria-describedby={grid.enhanced ? 'grid-keys' : undefined}
				className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-3 sm:gap-4 lg:grid-cols-4"
				data-testid="gallery"
			>
				{items.map((item, index) => (
					<Card
						key={item.id}
						item={item}
						focusProps={grid.focusProps(index)}
						roving={grid.enhanced}
					/>
				))}
			</ul>
		</>
	)
}

const hidePlaceholder = (img: HTMLImageElement) => {
	img.style.backgroundImage = 'none'
}

function Card({
	item,
	focusProps,
	roving,
}: {
	item: GridItem
	focusProps: { tabIndex?: number; onFocus: () => void }
	roving: boolean
}) {
	const size = thumbnailSize(item.width, item.height)
	const placeholder = placeholderDataUrl(item.placeholder)
	const landscape = item.width >= item.height
	const img = {
		src: item.thumbnailUrl ?? undefined,
		alt: item.filename,
		loading: 'lazy' as const,
		decoding: 'async' as const,
		width: size.width,
		height: size.height,
		// The ThumbHash shows until the thumbnail has loaded over it…
		style: placeholder
			? { backgroundImage: `url(${placeholder})`, backgroundSize: 'cover' }
			: undefined,
		// …and then goes, or it would show through a transparent one.
		onLoad: (event: SyntheticEvent<HTMLImageElement>) => hidePlaceholder(event.currentTarget),
		className: `object-contain ${landscape ? 'h-auto w-full' : 'h-full w-auto'}`,
	}
	const card = useRef<HTMLLIElement>(null)
	// A thumbnail that loaded before hydration fired its load event unheard.
	useEffect(() => {
		card.current?.querySelectorAll('img').forEach((loaded) => {
			if (loaded.complete && loaded.naturalWidth > 0) hidePlaceholder(loaded)
		})
	}, [])
	return (
		<li
			ref={card}
			data-grid-card
			className="group relative overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm has-[[data-grid-focus]:focus-visible]:ring-2 has-[[data-grid-focus]:focus-visible]:ring-indigo-600"
		>
			<div className="flex aspect-square items-center justify-center bg-zinc-100">
				{item.thumbnailUrl ? (
					item.safety?.flagged ? (
						// Above the card's link: the first click reveals, it does not navigate.
						<span className="relative z-10 flex size-full items-center justify-center">
							<FlaggedImage flagged categories={item.safety.categories} {...img} />
						</span>
					) : (
						<img {...img} alt={item.filename} />
					)
				) : (
					<span className="text-sm text-zinc-600">
						{item.overallStatus === 'failed' ? 'No preview' : 'Processing…'}
					</span>
				)}
			</div>
			{/* On a narrow card the badge wraps under the name instead of squeezing it. */}
			<div className="flex flex-wrap items-center gap-x-2 gap-y-1 p-2">
				<input
					type="checkbox"
					form="bulk"
					name="id"
					value={item.id}
					aria-label={`Select ${item.filename}`}
					data-grid-select
					tabIndex={roving ? -1 : undefined}
					className="relative z-10 size-4 shrink-0 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600"
				/>
				<Link
					to={`/images/${item.id}`}
					data-grid-focus
					{...focusProps}
					// Its ::after covers the card, so the whole card opens the image.
					className="min-w-0 flex-1 basis-24 truncate text-sm font-medium after:absolute after:inset-0 hover:underline focus-visible:outline-none"
					title={item.filename}
				>
					{item.filename}
				</Link>
				<StatusBadge status={item.overallStatus} />
			</div>
			{item.tags.length ? (
				<div className="relative z-10 flex flex-wrap gap-1 px-2 pb-2">
					{item.tags.slice(0, 4).map((t) => (
						<TagLink key={t} tag={t} />
					))}
				</div>
			) : null}
		</li>
	)
}
