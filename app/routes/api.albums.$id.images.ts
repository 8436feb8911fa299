import { apiRoute } from '#app/http/operation.server'
import { addImagesToAlbum } from '#app/http/operations/albums.server'

export const loader = apiRoute(addImagesToAlbum)
export const action = loader
