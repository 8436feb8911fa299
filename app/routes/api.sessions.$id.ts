import { apiRoute } from '#app/http/operation.server'
import { revokeSession } from '#app/http/operations/sessions.server'

export const loader = apiRoute(revokeSession)
export const action = loader
