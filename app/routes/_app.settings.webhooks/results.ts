import type { useLoaderData } from '@remix-run/react'
import type { FormRefusal } from '#app/forms.server'
import type { loader } from './route'

// What the page's action answers, for the action and the page's pieces alike.

/** The controls of one webhook (fetchers; plain forms without JavaScript). */
export const webhookIntents = ['test', 'enable', 'disable', 'edit', 'resend'] as const
export type WebhookIntent = (typeof webhookIntents)[number]

/** What the add and edit forms send, as typed. */
export type WebhookValues = { url: string; description: string; events: string[] }

/** Which webhook (and delivery, for a resend) an answer is about. */
export type WebhookAbout = { intent: WebhookIntent; webhookId: string; deliveryId?: string }

/** A webhook control's answer; a refused edit also says what was wrong and what was typed. */
export type WebhookResult = WebhookAbout & ({ message: string } | FormRefusal<WebhookValues>)

export type ActionResult =
	| { intent: 'create'; secret: string; url: string }
	| ({ intent: 'create' } & FormRefusal<WebhookValues>)
	| { intent: 'delete'; message: string }
	| ({ intent: 'delete' } & FormRefusal)
	| WebhookResult

export type WebhookView = ReturnType<typeof useLoaderData<typeof loader>>['webhooks'][number]
export type DeliveryView = WebhookView['deliveries'][number]
