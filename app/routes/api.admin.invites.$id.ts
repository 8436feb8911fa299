import { apiRoute } from '#app/http/operation.server'
import { revokeInvite } from '#app/http/operations/invites.server'

export const loader = apiRoute(revokeInvite)
export const action = loader
