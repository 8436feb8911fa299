import type { Operation } from '#app/http/operation.server'
import * as auth from '#app/http/operations/auth.server'
import * as meta from '#app/http/operations/meta.server'
import * as webhooks from '#app/http/operations/webhooks.server'

/** Every API operation, in the document's order. A declaration exported from these modules is served and documented. */
export const operations: Operation[] = [
	...Object.values(auth),
	...Object.values(webhooks),
	...Object.values(meta),
]
