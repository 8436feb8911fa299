import { apiRoute } from '#app/http/operation.server'
import { retryWebhookDelivery } from '#app/http/operations/webhooks.server'

export const loader = apiRoute(retryWebhookDelivery)
export const action = loader
