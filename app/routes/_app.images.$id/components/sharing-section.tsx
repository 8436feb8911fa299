import { Form } from '@remix-run/react'
import { secondaryButtonClass } from '#app/components/ui'
import { Section } from './section'

/** Whose image it is, who sees it, and (for its owner or an admin) the switch. */
export function SharingSection({
	visibility,
	ownerEmail,
	yours,
	canManage,
}: {
	visibility: 'private' | 'team'
	ownerEmail: string
	yours: boolean
	canManage: boolean
}) {
	const shared = visibility === 'team'
	return (
		<Section title="Sharing">
			<dl className="space-y-1 text-sm">
				<div className="flex flex-wrap gap-x-2">
					<dt className="text-zinc-600">Owner</dt>
					<dd data-testid="image-owner" className="font-medium wrap-anywhere">
						{yours ? `You (${ownerEmail})` : ownerEmail}
					</dd>
				</div>
				<div className="flex flex-wrap gap-x-2">
					<dt className="text-zinc-600">Visible to</dt>
					<dd data-testid="image-visibility">
						{shared ? 'Everyone on the team' : 'Only its owner'}
					</dd>
				</div>
			</dl>
			{canManage ? (
				<Form method="post" className="mt-3">
					<button
						type="submit"
						name="intent"
						value={shared ? 'unshare' : 'share'}
						className={secondaryButtonClass}
					>
						{shared ? 'Make private' : 'Share with team'}
					</button>
				</Form>
			) : null}
		</Section>
	)
}
