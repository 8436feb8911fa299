import { apiRoute } from '#app/http/operation.server'
import { getShareLink } from '#app/http/operations/sharing.server'

export const loader = apiRoute(getShareLink)
export const action = loader
