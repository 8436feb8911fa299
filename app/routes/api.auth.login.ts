import { apiRoute } from '#app/http/operation.server'
import { login } from '#app/http/operations/auth.server'

export const loader = apiRoute(login)
export const action = loader
