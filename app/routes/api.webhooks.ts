import { apiRoute } from '#app/http/operation.server'
import { listWebhooks, createWebhook } from '#app/http/operations/webhooks.server'

export const loader = apiRoute(listWebhooks, createWebhook)
export const action = loader
