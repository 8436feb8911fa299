import type { Operation } from '#app/http/operation.server'
import * as admin from '#app/http/operations/admin.server'
import * as auth from '#app/http/operations/auth.server'
import * as meta from '#app/http/operations/meta.server'
import * as sessions from '#app/http/operations/sessions.server'
import * as tokens from '#app/http/operations/tokens.server'
import * as usage from '#app/http/operations/usage.server'

/** Every API operation, in the document's order. A declaration exported from these modules is served and documented. */
export const operations: Operation[] = [
	...Object.values(auth),
	...Object.values(tokens),
	...Object.values(sessions),
	...Object.values(usage),
	...Object.values(admin),
	...Object.values(meta),
]
