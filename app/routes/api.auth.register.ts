import { apiRoute } from '#app/http/operation.server'
import { register } from '#app/http/operations/auth.server'

export const loader = apiRoute(register)
export const action = loader
