import { findDuplicateGroups, resolveDuplicates } from '#app/duplicates/groups.server'
import {
	duplicateGroupsSchema,
	duplicatesQuerySchema,
	MAX_RESOLVE_IDS,
	NEAR_DUPLICATE_THRESHOLD,
	resolveBodySchema,
	resolveResultSchema,
} from '#app/duplicates/schemas'
import { jsonContent, problem, SIGNING_UNAVAILABLE } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'
import { baseUrlOf, currentSigningWindow } from '#app/images/present.server'

// /api/duplicates: the caller's images that look alike, and moving the extra
// copies to the trash (app/duplicates, docs/decisions/027-duplicates.md).

export const listDuplicates = defineOperation({
	method: 'GET',
	path: '/api/duplicates',
	operationId: 'listDuplicates',
	tag: 'Images',
	summary: "Groups of the caller's duplicate images",
	description: `The caller's completed images (not in the trash) that are the same file (equal SHA-256) or
look alike (64-bit perceptual hashes at most ${NEAR_DUPLICATE_THRESHOLD} bits apart), in groups. Each group
suggests the one to keep (the most pixels, then the most bytes, then the oldest); \`others\` are the rest.
The largest groups come first; \`total\` says how many there are in all. Images processed before
perceptual hashes existed join groups by SHA-256 only, until they are hashed.`,
	access: 'read',
	rateLimit: 'read',
	query: duplicatesQuerySchema,
	responses: {
		'200': { description: 'The groups.', content: jsonContent(duplicateGroupsSchema) },
		'422': problem('ValidationFailed', '`limit` out of range.'),
		'503': problem('StorageUnavailable', SIGNING_UNAVAILABLE),
	},
	handler: async ({ request, query, auth }) => {
		const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
		return json(await findDuplicateGroups(auth.user.id, query, signing))
	},
})

export const resolveDuplicateGroups = defineOperation({
	method: 'POST',
	path: '/api/duplicates/resolve',
	operationId: 'resolveDuplicates',
	tag: 'Images',
	summary: 'Keep one image of each group, move the others to the trash',
	description: `For each group given, keeps \`keep\` and deletes the images in \`delete\` as \`DELETE /api/images/{id}\`
does: to the trash (restorable until \`TRASH_DAYS\` pass), or gone at once when \`TRASH_DAYS=0\`. Every id must be
a live image of the caller's own, else nothing changes and the answer is \`404\`, as for an image that does not
exist (another user's image, shared or not, included). At most ${MAX_RESOLVE_IDS} images to delete per request.`,
	access: 'write',
	rateLimit: {
		perItem: 'process',
		count: (body: { groups: Array<{ delete: string[] }> }) =>
			new Set(body.groups.flatMap((group) => group.delete)).size,
	},
	body: resolveBodySchema,
	responses: {
		'200': { description: 'The images deleted.', content: jsonContent(resolveResultSchema) },
		'404': problem('NotFound', "One of the ids is not a live image of the caller's."),
		'422': problem(
			'ValidationFailed',
			'A malformed body, `delete` including `keep`, or too many images.',
		),
		'503': problem('StorageUnavailable', 'Storage could not move the files; nothing changed.'),
	},
	handler: async ({ body, auth }) =>
		json({ deleted: await resolveDuplicates(auth.user, body.groups) }),
})
