import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { type Authenticated, requirePageUser } from '#app/auth/auth.server'
import { BulkToolbar } from '#app/components/bulk-toolbar'
import { Grid } from '#app/components/gallery-grid'
import { PhoneFold } from '#app/components/phone-fold'
import { Alert, Pager } from '#app/components/ui'
import { UndoNotice } from '#app/components/undo-notice'
import { UploadBox } from '#app/components/upload-box'
import { useLiveStatus } from '#app/components/use-live-status'
import { config } from '#app/config.server'
import { type AppError, SemanticSearchUnavailableError, ValidationError } from '#app/errors'
import { formAction } from '#app/forms.server'
import { plural } from '#app/format'
import { parseInput } from '#app/validation'
import { limitBatch, limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, presentListItem } from '#app/images/present.server'
import { reprocessImages } from '#app/images/process.server'
import { type FilterErrors, hasFilterErrors, ListFilters } from '#app/components/gallery-filters'
import { listSearch } from '#app/images/list-options'
import { listFieldsOf, parseListQuery } from '#app/images/queries.server'
import type { ListQuery } from '#app/images/schemas'
import { searchImages, semanticAvailable } from '#app/search/ranking.server'
import { isTerminal } from '#app/images/status'
import { admitUpload } from '#app/images/upload-admission.server'
import { type BatchOutcome, uploadBatch } from '#app/images/upload-batch.server'
import type { QuotaHolder } from '#app/images/quota.server'
import { setVisibility } from '#app/images/visibility.server'
import { ScopeSwitch } from '#app/components/scope-switch'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data?.scope === 'team' ? 'Team library · Darkroom' : 'Your images · Darkroom' },
]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const url = new URL(request.url)
	const { query, filterErrors } = galleryQuery(url.searchParams)
	const [{ rows, mode, searchNote, ...page }, meaningOffered] = await Promise.all([
		gallerySearch(user.id, query),
		semanticAvailable(user.id, query.scope),
	])
	const baseUrl = baseUrlOf(request)
	const items = await Promise.all(
		rows.map((row) => presentListItem(row, { baseUrl, viewerId: user.id })),
	)
	return {
		items,
		scope: query.scope,
		/** An admin may select (and change) anyone's shared images too. */
		isAdmin: user.role === 'admin',
		...page,
		filters: {
			status: query.status ?? '',
			q: query.q ?? '',
			// Only with a search: on its own it changes nothing.
			mode: query.q ? (query.mode ?? '') : '',
			tag: query.tag ?? '',
			type: query.type ?? '',
			// With the range refused, the dates as typed, next to the message.
			date: query.from || query.to || filterErrors.to ? query.date : '',
			from: (filterErrors.to ? url.searchParams.get('from') : query.from) ?? '',
			to: (filterErrors.to ? url.searchParams.get('to') : query.to) ?? '',
		},
		filterErrors,
		/** The Match choice is offered when meaning search can run in this scope. */
		meaningOffered,
		/** How the search matched (null without one), and why not as asked. */
		searchedBy: mode,
		searchNote,
		/** Appended to each image's link: the detail page follows this list. */
		itemSearch: listSearch({ ...listFieldsOf(query), page: query.page }),
		sort: query.sort,
		maxUploadBytes: config.maxUploadBytes,
		trashDays: config.trashDays,
	}
}

/**
 * The list, searched as asked; when meaning search cannot run (nothing
 * embedded, the provider failing), by words instead, with a note saying so.
 */
async function gallerySearch(userId: string, query: ListQuery) {
	try {
		return { ...(await searchImages(userId, query)), searchNote: null }
	} catch (error) {
		if (!(error instanceof ValidationError || error instanceof SemanticSearchUnavailableError)) {
			throw error
		}
		const byWords = await searchImages(userId, { ...query, mode: 'text' })
		return { ...byWords, searchNote: `${error.message} Showing word matches instead.` }
	}
}

/**
 * The page's list query. A From after To, or another bad field, is left out
 * and named next to the filters (filterErrors) instead of being ignored.
 */
function galleryQuery(params: URLSearchParams) {
	try {
		return { query: parseListQuery(params), filterErrors: {} as FilterErrors }
	} catch (error) {
		if (!(error instanceof ValidationError)) throw error
		const rest = new URLSearchParams(params)
		const filterErrors: FilterErrors = {}
		for (const { path, message } of error.errors ?? []) {
			rest.delete(path)
			filterErrors[path] = message
		}
		if (filterErrors.from || filterErrors.to) {
			// Half a range would filter by a date the user did not mean.
			rest.delete('from')
			rest.delete('to')
			filterErrors.to = rangeError(params, filterErrors)
			delete filterErrors.from
		}
		try {
			return { query: parseListQuery(rest), filterErrors }
		} catch {
			// A hand-edited bad query string falls back to the first page, unfiltered.
			throw redirect('/images')
		}
	}
}

function rangeError(params: URLSearchParams, errors: FilterErrors) {
	if (errors.from) return `From is not a date: ${errors.from}.`
	const [from, to] = [params.get('from'), params.get('to')]
	if (from && to && from > to)
		return `From (${from}) is after To (${to}). Choose a To date on or after From.`
	return `To is not a date: ${errors.to}.`
}

const bulkSchema = z.object({
	intent: z.enum(['reprocess', 'share', 'unshare']),
	id: z
		.array(z.uuid())
		.min(1, 'Select at least one image first.')
		.max(100, 'Select at most 100 images at a time.'),
})

type ActionResult = { uploads: BatchOutcome[] } | { notice: string } | { error: string }

export async function action(args: ActionFunctionArgs) {
	const { request, context } = args
	const { user, quotaBytes } = await requirePageUser(args)
	const contentType = request.headers.get('Content-Type') ?? ''
	return formAction({ message: refusalMessage, status: refusalStatus }, async () => {
		if (contentType.toLowerCase().startsWith('multipart/form-data')) {
			return await uploadFromForm(args, { userId: user.id, quotaBytes })
		}
		const form = await request.formData()
		const { intent, id: ids } = parseInput(bulkSchema, {
			intent: form.get('intent'),
			id: form.getAll('id'),
		})
		// Deleting goes through /images/delete (the one delete pattern, with Undo).
		if (intent !== 'reprocess') return await shareFromForm(args, user, ids, intent)
		await limitBatch(args, 'process', user.id, new Set(ids).size)
		await reprocessImages(user, ids, ['image', 'ai'], context.requestId)
		return { notice: `Processing ${plural(ids.length)} again.` }
	})
}

/** Share or unshare the selection; one gone meanwhile (another tab) is no reason to stop. */
async function shareFromForm(
	args: ActionFunctionArgs,
	user: Authenticated['user'],
	ids: string[],
	intent: 'share' | 'unshare',
) {
	await limitRequest(args, 'process', user.id)
	const visibility = intent === 'share' ? 'team' : 'private'
	const changed = await setVisibility(args, user, ids, visibility, { skipMissing: true })
	return {
		notice:
			intent === 'share'
				? `Shared ${plural(changed.length)} with the team.`
				: `Made ${plural(changed.length)} private.`,
	}
}

/** The toolbar has no fields: a refused selection says its first problem alone. */
function refusalMessage(error: AppError) {
	if (error.status >= 500) return `${error.message} Please try again in a moment.`
	return error.errors?.[0]?.message ?? error.message
}

// The real status (429, 403 over quota, 415…) with the message on the page; an
// outage is a notice to try again, answered 200 as it always has been.
const refusalStatus = (error: AppError) => (error.status < 500 ? error.status : 200)

/** The plain form (no JavaScript): one file lands on its page, several on the gallery. */
async function uploadFromForm(args: ActionFunctionArgs, holder: QuotaHolder) {
	// Before the body is read, as for the API: the first file counts now, each
	// further one as its part begins; a refused form costs no bandwidth or disk.
	const countFile = () => limitRequest(args, 'upload', holder.userId)
	await countFile()
	const outcomes = await admitUpload(holder, () =>
		uploadBatch({ request: args.request, ...holder, requestId: args.context.requestId, countFile }),
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

export default function Gallery() {
	const { items, page, totalPages, total, filters, sort, maxUploadBytes, trashDays } =
		useLoaderData<typeof loader>()
	const { scope, isAdmin } = useLoaderData<typeof loader>()
	const team = scope === 'team'
	// Someone else's shared image is theirs (or an admin's) to change: no checkbox.
	const selectable = (item: (typeof items)[number]) => item.yours || isAdmin
	const { filterErrors, itemSearch, meaningOffered, searchNote } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>() as ActionResult | undefined
	const working = items.some((item) => !isTerminal(item.overallStatus))
	useLiveStatus(true, working)

	const active = Object.fromEntries(Object.entries(filters).filter(([, value]) => value))
	const filtered = Object.keys(active).length > 0
	const listParams = {
		...(team ? { scope } : {}),
		...active,
		...(sort !== 'newest' ? { sort } : {}),
	}
	const pageLink = (n: number) => `?${new URLSearchParams({ ...listParams, page: String(n) })}`
	const withoutTag = () => {
		const rest: Record<string, string> = { ...listParams }
		delete rest.tag
		return `?${new URLSearchParams(rest)}`
	}
	const kept = { ...(team ? { scope } : {}), ...(sort !== 'newest' ? { sort } : {}) }
	const clearFilters = Object.keys(kept).length ? `?${new URLSearchParams(kept)}` : '/images'

	return (
		<div className="space-y-4 sm:space-y-8">
			{/* On a phone the photos come first: adding and filtering are a tap away. */}
			<PhoneFold
				summary="Add photos"
				open={
					items.length === 0 || (result !== undefined && ('uploads' in result || 'error' in result))
				}
				testId="add-photos"
			>
				<UploadBox
					maxUploadBytes={maxUploadBytes}
					outcomes={result && 'uploads' in result ? result.uploads : undefined}
					error={result && 'error' in result ? result.error : undefined}
				/>
			</PhoneFold>
			<section aria-labelledby="gallery-heading">
				<div className="flex flex-wrap items-end justify-between gap-3">
					<h2 id="gallery-heading" className="text-lg font-semibold">
						{team ? 'Team library' : 'Your images'}{' '}
						<span className="font-normal text-zinc-600">({total})</span>
					</h2>
					{/* On a phone it sits with the filters, folded: the photos come first. */}
					<ScopeSwitch scope={scope} className="max-sm:hidden" />
				</div>
				<PhoneFold
					summary="Search and filters"
					open={filtered || hasFilterErrors(filterErrors)}
					testId="search-and-filters"
					className="mt-3 sm:mt-0"
				>
					<ScopeSwitch scope={scope} className="mt-3 sm:hidden" />
					<ListFilters
						filters={filters}
						sort={sort}
						scope={scope}
						errors={filterErrors}
						meaningOffered={meaningOffered}
					/>
				</PhoneFold>
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

				{searchNote ? (
					<div className="mt-4">
						<Alert tone="info">{searchNote}</Alert>
					</div>
				) : null}
				<UndoNotice />
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
								to see all {team ? 'shared' : 'your'} images.
							</p>
						) : team ? (
							<p>
								No shared images yet. Share yours from an image&apos;s page, or tick several in{' '}
								<Link to="/images" className="underline">
									your images
								</Link>{' '}
								and choose Share with team.
							</p>
						) : (
							<>
								<p>No images yet. Upload your first ones above.</p>
								<p className="mt-1 text-sm">
									Choose files or drop photos anywhere on this page to upload them.
								</p>
							</>
						)}
					</div>
				) : (
					<>
						{items.some(selectable) ? (
							<BulkToolbar trashDays={trashDays} itemsKey={items.map((item) => item.id).join()} />
						) : null}
						<Grid items={items} linkSearch={itemSearch} selectable={selectable} />
					</>
				)}

				<Pager page={page} totalPages={totalPages} linkTo={pageLink} className="mt-6" />
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
