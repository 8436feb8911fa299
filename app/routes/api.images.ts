import { apiRoute } from '#app/http/operation.server'
import { listImages, uploadImage } from '#app/http/operations/images.server'

export const loader = apiRoute(listImages, uploadImage)
export const action = loader
