import { apiRoute } from '#app/http/operation.server'
import { processImage } from '#app/http/operations/images.server'

export const loader = apiRoute(processImage)
export const action = loader
