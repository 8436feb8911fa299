import { apiRoute } from '#app/http/operation.server'
import { getWebhook, updateWebhook, deleteWebhook } from '#app/http/operations/webhooks.server'

export const loader = apiRoute(getWebhook, updateWebhook, deleteWebhook)
export const action = loader
