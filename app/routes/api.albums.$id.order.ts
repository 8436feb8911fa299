import { apiRoute } from '#app/http/operation.server'
import { reorderAlbum } from '#app/http/operations/albums.server'

export const loader = apiRoute(reorderAlbum)
export const action = loader
