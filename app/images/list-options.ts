// The list's sort orders and type filters: plain values, so the gallery page's
// browser code can offer them too (queries.server.ts applies them).

/** Sort orders of the list; `newest` is the default. */
export const listSorts = ['newest', 'oldest', 'name', 'size'] as const
export type ListSort = (typeof listSorts)[number]

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
