import { apiRoute } from '#app/http/operation.server'
import { sweepRetention } from '#app/http/operations/admin.server'

export const loader = apiRoute(sweepRetention)
export const action = loader
