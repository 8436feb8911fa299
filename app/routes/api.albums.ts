import { apiRoute } from '#app/http/operation.server'
import { listAlbums, createAlbum } from '#app/http/operations/albums.server'

export const loader = apiRoute(listAlbums, createAlbum)
export const action = loader
