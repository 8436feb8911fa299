import { apiRoute } from '#app/http/operation.server'
import { getAlbum, updateAlbum, deleteAlbum } from '#app/http/operations/albums.server'

export const loader = apiRoute(getAlbum, updateAlbum, deleteAlbum)
export const action = loader
