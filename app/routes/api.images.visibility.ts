import { apiRoute } from '#app/http/operation.server'
import { setImagesVisibility } from '#app/http/operations/images.server'

export const loader = apiRoute(setImagesVisibility)
export const action = loader
