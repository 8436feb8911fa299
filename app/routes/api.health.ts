import { apiRoute } from '#app/http/operation.server'
import { getHealth } from '#app/http/operations/meta.server'

export const loader = apiRoute(getHealth)
export const action = loader
