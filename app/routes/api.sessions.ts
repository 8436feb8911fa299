import { apiRoute } from '#app/http/operation.server'
import { listSessions } from '#app/http/operations/sessions.server'

export const loader = apiRoute(listSessions)
export const action = loader
