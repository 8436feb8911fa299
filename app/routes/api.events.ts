import { apiRoute } from '#app/http/operation.server'
import { streamImageEvents } from '#app/http/operations/events.server'

export const loader = apiRoute(streamImageEvents)
export const action = loader
