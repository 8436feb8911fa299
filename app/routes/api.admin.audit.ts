import { apiRoute } from '#app/http/operation.server'
import { listAudit } from '#app/http/operations/admin.server'

export const loader = apiRoute(listAudit)
export const action = loader
