import { Form } from '@remix-run/react'
import { overallStatuses } from '#db/statuses'
import { secondaryButtonClass } from '#app/components/ui'
import { imageTypes, listDates, listSorts } from '#app/images/list-options'

const sortLabels: Record<(typeof listSorts)[number], string> = {
	newest: 'Newest first',
	oldest: 'Oldest first',
	name: 'Name (A–Z)',
	size: 'Largest first',
	'taken-newest': 'Taken, newest first',
	'taken-oldest': 'Taken, oldest first',
}

const dateLabels: Record<(typeof listDates)[number], string> = {
	uploaded: 'Uploaded',
	taken: 'Taken',
}

/** Field name → message for filters the page refused (a From after To is named on `to`). */
export type FilterErrors = Partial<Record<string, string>>

/** Whether the filters have a message to show: a disclosure around them should start open. */
export const hasFilterErrors = (errors: FilterErrors | undefined) =>
	Object.values(errors ?? {}).some(Boolean)

/** The Match choice: blank is the default (words and meaning). */
const matchLabels: Array<[string, string]> = [
	['', 'Words and meaning'],
	['text', 'Exact words'],
	['semantic', 'Meaning only'],
]

export function ListFilters({
	filters,
	sort,
	scope = 'mine',
	errors = {},
	meaningOffered = false,
}: {
	filters: {
		status: string
		q: string
		/** How `q` matches (`text`, `semantic`, or blank for the default); gallery only. */
		mode?: string
		tag: string
		type: string
		date: string
		from: string
		to: string
	}
	sort: string
	/** The Team view searches and filters the team's images. */
	scope?: string
	errors?: FilterErrors
	/** Offer the Match choice: semantic search is set up and has something to search. */
	meaningOffered?: boolean
}) {
	const rangeError = errors.to ?? errors.from
	const moreFiltersInUse = Boolean(
		filters.status || filters.type || filters.from || filters.to || rangeError,
	)
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
					placeholder={meaningOffered ? 'Search by words or meaning…' : 'Search text, tags, names…'}
					className={`w-full sm:w-56 ${field}`}
				/>
			</div>
			{meaningOffered ? (
				<div className="flex flex-col gap-1">
					<label htmlFor="mode">Match</label>
					<select id="mode" name="mode" defaultValue={filters.mode ?? ''} className={control}>
						{matchLabels.map(([value, label]) => (
							<option key={value} value={value}>
								{label}
							</option>
						))}
					</select>
				</div>
			) : null}
			{filters.tag ? <input type="hidden" name="tag" value={filters.tag} /> : null}
			{scope === 'team' ? <input type="hidden" name="scope" value="team" /> : null}
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
			<button type="submit" className={secondaryButtonClass}>
				Apply
			</button>
			{/* Rarely used filters behind one Tab stop; open while one is in use or refused. */}
			<details
				open={moreFiltersInUse}
				className="group col-span-2 w-full"
				data-testid="more-filters"
			>
				<summary className="w-fit cursor-pointer rounded-md px-1 py-0.5 text-zinc-700 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-600">
					More filters
				</summary>
				<div className="mt-2 grid grid-cols-2 items-end gap-x-3 gap-y-2 sm:flex sm:flex-wrap">
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
						<label htmlFor="date">Dates</label>
						<select
							id="date"
							name="date"
							defaultValue={filters.date || 'uploaded'}
							className={control}
						>
							{listDates.map((d) => (
								<option key={d} value={d}>
									{dateLabels[d]}
								</option>
							))}
						</select>
					</div>
					{(['from', 'to'] as const).map((name) => (
						<div key={name} className="flex flex-col gap-1">
							<label htmlFor={name}>{name === 'from' ? 'From' : 'To'}</label>
							<input
								id={name}
								name={name}
								type="date"
								defaultValue={filters[name]}
								className={control}
								{...invalidProps(rangeError)}
							/>
						</div>
					))}
				</div>
			</details>
			{rangeError ? (
				<p
					id="date-range-error"
					role="alert"
					className="col-span-2 w-full font-medium text-red-700"
				>
					{rangeError}
				</p>
			) : null}
		</Form>
	)
}

const invalidProps = (error: string | undefined) =>
	error ? { 'aria-invalid': true, 'aria-describedby': 'date-range-error' } : {}
