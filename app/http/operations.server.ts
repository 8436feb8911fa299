import type { Operation } from '#app/http/operation.server'
import * as auth from '#app/http/operations/auth.server'
import * as events from '#app/http/operations/events.server'
import * as images from '#app/http/operations/images.server'
import * as meta from '#app/http/operations/meta.server'
import * as trash from '#app/http/operations/trash.server'

/** Every API operation, in the document's order. A declaration exported from these modules is served and documented. */
export const operations: Operation[] = [
	...Object.values(auth),
	...Object.values(images),
	...Object.values(events),
	...Object.values(trash),
	...Object.values(meta),
]
