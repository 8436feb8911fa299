import { apiRoute } from '#app/http/operation.server'
import { getMe } from '#app/http/operations/auth.server'

export const loader = apiRoute(getMe)
export const action = loader
