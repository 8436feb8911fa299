import { apiRoute } from '#app/http/operation.server'
import { listShareLinks, createShareLink } from '#app/http/operations/sharing.server'

export const loader = apiRoute(listShareLinks, createShareLink)
export const action = loader
