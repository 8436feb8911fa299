import { apiRoute } from '#app/http/operation.server'
import { downloadImage } from '#app/http/operations/images.server'

export const loader = apiRoute(downloadImage)
export const action = loader
