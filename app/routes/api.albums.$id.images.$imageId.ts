import { apiRoute } from '#app/http/operation.server'
import { removeImageFromAlbum } from '#app/http/operations/albums.server'

export const loader = apiRoute(removeImageFromAlbum)
export const action = loader
