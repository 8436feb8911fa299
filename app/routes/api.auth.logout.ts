import { apiRoute } from '#app/http/operation.server'
import { logout } from '#app/http/operations/auth.server'

export const loader = apiRoute(logout)
export const action = loader
