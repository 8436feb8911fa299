import { apiRoute } from '#app/http/operation.server'
import { getOpenApiDocument } from '#app/http/operations/meta.server'

export const loader = apiRoute(getOpenApiDocument)
export const action = loader
