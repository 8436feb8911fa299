// Storage keys derive from ids only, so a re-run overwrites the same objects.
export type VariantName = 'original' | 'thumbnail' | 'optimized'

export const originalKey = (userId: string, imageId: string, ext: string) =>
	`images/${userId}/${imageId}/original.${ext}`

/** Where a trashed image's object waits: its signed URLs (for the old key) stop working. */
export const trashKey = (key: string) => `trash/${key}`

export const variantKey = (userId: string, imageId: string, variant: 'thumbnail' | 'optimized') =>
	`images/${userId}/${imageId}/${variant}.webp`
