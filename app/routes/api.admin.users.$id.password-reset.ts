import { apiRoute } from '#app/http/operation.server'
import { createPasswordResetLink } from '#app/http/operations/users.server'

export const loader = apiRoute(createPasswordResetLink)
export const action = loader
