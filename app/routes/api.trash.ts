import { apiRoute } from '#app/http/operation.server'
import { emptyTrash, listTrash } from '#app/http/operations/trash.server'

export const loader = apiRoute(listTrash, emptyTrash)
export const action = loader
