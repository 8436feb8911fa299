// The list's sort orders, type filters and limits: plain values, so the
// gallery page's browser code can offer them too (queries.server.ts applies
// them, app/images/schemas.ts documents them).

/** Pages of a list (the gallery, the trash, the API's). */
export const MAX_PAGE = 100_000
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100
/** Characters of `q` and of `tag`, after trimming. */
export const MAX_QUERY_LENGTH = 200
export const MAX_TAG_LENGTH = 64

/** Sort orders of the list; `newest` (uploaded) is the default. */
export const listSorts = [
	'newest',
	'oldest',
	'name',
	'size',
	'taken-newest',
	'taken-oldest',
] as const
export type ListSort = (typeof listSorts)[number]

/** Whose images a list shows: the caller's own (default) or the team's shared ones. */
export const listScopes = ['mine', 'team'] as const
export type ListScope = (typeof listScopes)[number]

/** Which date `from` and `to` apply to; `uploaded` is the default. */
export const listDates = ['uploaded', 'taken'] as const
export type ListDate = (typeof listDates)[number]

const contextDefaults: Record<string, string> = {
	scope: 'mine',
	sort: 'newest',
	date: 'uploaded',
	page: '1',
	pageSize: String(DEFAULT_PAGE_SIZE),
}

/**
 * The list's query string without its defaults (`?q=rock&sort=name`, or ''):
 * a detail page carries it so previous/next follow that list and "All images"
 * returns to it. `date` counts only with a date range.
 */
export function listSearch(values: Record<string, string | number | null | undefined>): string {
	const params = new URLSearchParams()
	for (const [name, value] of Object.entries(values)) {
		if (value === undefined || value === null || value === '') continue
		if (String(value) === contextDefaults[name]) continue
		if (name === 'date' && !values.from && !values.to) continue
		params.set(name, String(value))
	}
	const search = params.toString()
	return search ? `?${search}` : ''
}

/** Type filter names and the stored content types behind each. */
export const contentTypesByType = {
	jpeg: ['image/jpeg'],
	png: ['image/png', 'image/apng'],
	webp: ['image/webp'],
	tiff: ['image/tiff'],
	gif: ['image/gif'],
	avif: ['image/avif'],
	heif: ['image/heic', 'image/heif'],
} as const
export type ImageTypeFilter = keyof typeof contentTypesByType
export const imageTypes = Object.keys(contentTypesByType) as ImageTypeFilter[]
