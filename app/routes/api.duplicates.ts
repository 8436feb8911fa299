import { apiRoute } from '#app/http/operation.server'
import { listDuplicates } from '#app/http/operations/duplicates.server'

export const loader = apiRoute(listDuplicates)
export const action = loader
