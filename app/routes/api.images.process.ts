import { apiRoute } from '#app/http/operation.server'
import { processImages } from '#app/http/operations/images.server'

export const loader = apiRoute(processImages)
export const action = loader
