import { apiRoute } from '#app/http/operation.server'
import { getLiveness } from '#app/http/operations/meta.server'

export const loader = apiRoute(getLiveness)
export const action = loader
