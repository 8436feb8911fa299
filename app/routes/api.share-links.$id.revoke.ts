import { apiRoute } from '#app/http/operation.server'
import { revokeShareLink } from '#app/http/operations/sharing.server'

export const loader = apiRoute(revokeShareLink)
export const action = loader
