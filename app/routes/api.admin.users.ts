import { apiRoute } from '#app/http/operation.server'
import { listAdminUsers } from '#app/http/operations/users.server'

export const loader = apiRoute(listAdminUsers)
export const action = loader
