import { methodOrder, type Operation } from '#app/http/operation.server'
import * as admin from '#app/http/operations/admin.server'
import * as albums from '#app/http/operations/albums.server'
import * as auth from '#app/http/operations/auth.server'
import * as duplicates from '#app/http/operations/duplicates.server'
import * as events from '#app/http/operations/events.server'
import * as images from '#app/http/operations/images.server'
import * as invites from '#app/http/operations/invites.server'
import * as meta from '#app/http/operations/meta.server'
import * as sessions from '#app/http/operations/sessions.server'
import * as sharing from '#app/http/operations/sharing.server'
import * as similar from '#app/http/operations/similar.server'
import * as tokens from '#app/http/operations/tokens.server'
import * as trash from '#app/http/operations/trash.server'
import * as usage from '#app/http/operations/usage.server'
import * as users from '#app/http/operations/users.server'
import * as webhooks from '#app/http/operations/webhooks.server'

// Every API operation. A declaration exported from one of these modules is
// served (by the route file of its path) and documented.
const declared: Operation[] = [
	auth,
	tokens,
	sessions,
	images,
	duplicates,
	similar,
	albums,
	sharing,
	events,
	trash,
	usage,
	admin,
	invites,
	users,
	webhooks,
	meta,
].flatMap((module) => Object.values(module))

const tagOrder = [
	'Auth',
	'Images',
	'Albums',
	'Sharing',
	'Trash',
	'Usage',
	'Webhooks',
	'Admin',
	'Operations',
]

/** In the document's order: by tag, then path, then method (a module lists its exports by name). */
export const operations = declared.toSorted(
	(a, b) =>
		tagOrder.indexOf(a.tag) - tagOrder.indexOf(b.tag) ||
		a.path.localeCompare(b.path) ||
		methodOrder.indexOf(a.method) - methodOrder.indexOf(b.method),
)
