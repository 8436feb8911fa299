import { apiRoute } from '#app/http/operation.server'
import { deleteImage, getImage } from '#app/http/operations/images.server'

export const loader = apiRoute(getImage, deleteImage)
export const action = loader
