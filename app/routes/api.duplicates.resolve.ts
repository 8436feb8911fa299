import { apiRoute } from '#app/http/operation.server'
import { resolveDuplicateGroups } from '#app/http/operations/duplicates.server'

export const loader = apiRoute(resolveDuplicateGroups)
export const action = loader
