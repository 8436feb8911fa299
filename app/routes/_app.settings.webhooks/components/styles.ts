import type { WebhookDeliveryStatus } from '#db/statuses'

export const deliveryStyles: Record<WebhookDeliveryStatus, string> = {
	pending: 'bg-zinc-100 text-zinc-700 ring-zinc-300',
	retrying: 'bg-amber-50 text-amber-800 ring-amber-300',
	succeeded: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
	failed: 'bg-red-50 text-red-800 ring-red-300',
}

export const badgeClass =
	'inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset'

export const focusRing =
	'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600'
