// The Undo notice after a delete lives in the gallery's URL (`?undo=<ids>`),
// so it stays through reloads and live updates until dismissed or used.

/** At most this many ids in one delete, Undo or restore (the gallery's bulk limit). */
export const MAX_IDS = 100

/** A gallery page to return to; anything else (another site, another page) is the gallery. */
export function backTo(value: FormDataEntryValue | string | null | undefined): string {
	const text = typeof value === 'string' ? value : ''
	return /^\/images(\?[^#]*)?$/.test(text) ? text : '/images'
}

/** The gallery page with the notice: Undo for trashed ids, or a plain count when deleted for good. */
export function afterDelete(back: string, ids: string[], trashDays: number): string {
	const url = new URL(back, 'http://gallery')
	url.searchParams.delete('undo')
	url.searchParams.delete('deleted')
	if (ids.length > 0) {
		if (trashDays === 0) url.searchParams.set('deleted', String(ids.length))
		else url.searchParams.set('undo', ids.join(','))
	}
	return `${url.pathname}${url.search}`
}

/** The same gallery page without the notice. */
export function withoutNotice(pathname: string, search: string): string {
	const params = new URLSearchParams(search)
	params.delete('undo')
	params.delete('deleted')
	const rest = params.toString()
	return rest ? `${pathname}?${rest}` : pathname
}
