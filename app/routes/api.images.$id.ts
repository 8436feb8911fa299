import { apiRoute } from '#app/http/operation.server'
import { deleteImage, getImage, updateImage } from '#app/http/operations/images.server'

export const loader = apiRoute(getImage, updateImage, deleteImage)
export const action = loader
