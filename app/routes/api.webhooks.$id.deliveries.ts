import { apiRoute } from '#app/http/operation.server'
import { listWebhookDeliveries } from '#app/http/operations/webhooks.server'

export const loader = apiRoute(listWebhookDeliveries)
export const action = loader
