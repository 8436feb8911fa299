import { apiRoute } from '#app/http/operation.server'
import { uploadImageAlias } from '#app/http/operations/images.server'

export const loader = apiRoute(uploadImageAlias)
export const action = loader
