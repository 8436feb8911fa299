import { apiRoute } from '#app/http/operation.server'
import { getAdminUser, updateAdminUser, deleteAdminUser } from '#app/http/operations/users.server'

export const loader = apiRoute(getAdminUser, updateAdminUser, deleteAdminUser)
export const action = loader
