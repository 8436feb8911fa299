import { apiRoute } from '#app/http/operation.server'
import { getUsage } from '#app/http/operations/usage.server'

export const loader = apiRoute(getUsage)
export const action = loader
