import { apiRoute } from '#app/http/operation.server'
import { testWebhook } from '#app/http/operations/webhooks.server'

export const loader = apiRoute(testWebhook)
export const action = loader
