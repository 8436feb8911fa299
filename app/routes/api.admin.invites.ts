import { apiRoute } from '#app/http/operation.server'
import { createInvite, listInvites } from '#app/http/operations/invites.server'

export const loader = apiRoute(listInvites, createInvite)
export const action = loader
