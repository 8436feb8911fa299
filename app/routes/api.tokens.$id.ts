import { apiRoute } from '#app/http/operation.server'
import { revokeApiToken } from '#app/http/operations/tokens.server'

export const loader = apiRoute(revokeApiToken)
export const action = loader
