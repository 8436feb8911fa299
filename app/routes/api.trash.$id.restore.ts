import { apiRoute } from '#app/http/operation.server'
import { restoreImage } from '#app/http/operations/trash.server'

export const loader = apiRoute(restoreImage)
export const action = loader
