import { apiRoute } from '#app/http/operation.server'
import { listSimilarImages } from '#app/http/operations/similar.server'

export const loader = apiRoute(listSimilarImages)
export const action = loader
