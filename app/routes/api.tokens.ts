import { apiRoute } from '#app/http/operation.server'
import { createApiToken, listApiTokens } from '#app/http/operations/tokens.server'

export const loader = apiRoute(listApiTokens, createApiToken)
export const action = loader
