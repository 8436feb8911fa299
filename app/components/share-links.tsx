import { Form } from '@remix-run/react'
import { CopyButton } from '#app/components/copy-button'
import { Time } from '#app/components/time'
import { buttonClass, secondaryButtonClass } from '#app/components/ui'
import type { ShareLinkView } from '#app/sharing/schemas'

// "Share by link" on an image's or an album's page: its links, and a form to
// make another. Both post to /shared (app/routes/_app.shared), which comes
// back here (`back`); plain forms, so they work without JavaScript.

type Target = { imageId: string } | { albumId: string }

export const EXPIRY_CHOICES = [
	{ value: '', label: 'Never' },
	{ value: '1', label: 'In 1 day' },
	{ value: '7', label: 'In 7 days' },
	{ value: '30', label: 'In 30 days' },
] as const

export function ShareLinks({
	target,
	links,
	back,
}: {
	target: Target
	links: ShareLinkView[]
	back: string
}) {
	const [name, id] = 'imageId' in target ? ['imageId', target.imageId] : ['albumId', target.albumId]
	return (
		<section aria-labelledby="share-links-heading" id="share" className="space-y-4">
			<h2 id="share-links-heading" className="text-lg font-semibold">
				Share by link
			</h2>
			<p className="text-sm text-zinc-700">
				Anyone with a link sees {name === 'imageId' ? 'this image' : "this album's images"}, without
				signing in, until you revoke it.
			</p>
			{links.length > 0 ? (
				<ul className="space-y-3">
					{links.map((link) => (
						<li key={link.id}>
							<ShareLinkItem link={link} back={back} />
						</li>
					))}
				</ul>
			) : null}
			<Form
				method="post"
				action="/shared"
				className="space-y-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm"
			>
				<input type="hidden" name="intent" value="create" />
				<input type="hidden" name={name} value={id} />
				<input type="hidden" name="back" value={back} />
				<div>
					<label htmlFor={`share-expiry-${id}`} className="block font-medium text-zinc-700">
						Expires
					</label>
					<select
						id={`share-expiry-${id}`}
						name="expiresInDays"
						className="mt-1 rounded-md border border-zinc-300 bg-white px-2 py-1"
					>
						{EXPIRY_CHOICES.map((choice) => (
							<option key={choice.value} value={choice.value}>
								{choice.label}
							</option>
						))}
					</select>
				</div>
				<div>
					<label htmlFor={`share-password-${id}`} className="block font-medium text-zinc-700">
						Password (optional)
					</label>
					<input
						id={`share-password-${id}`}
						name="password"
						type="password"
						autoComplete="new-password"
						className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-2 py-1"
					/>
				</div>
				<label className="flex items-start gap-2">
					<input type="checkbox" name="allowDownload" value="on" className="mt-1" />
					<span>
						Allow downloading the originals
						<span className="block text-xs text-zinc-600">
							Originals are the files as uploaded, with their camera data and any location. The page
							itself never shows either.
						</span>
					</span>
				</label>
				<button type="submit" className={buttonClass}>
					Create link
				</button>
			</Form>
		</section>
	)
}

/** One link: its address to copy, what it allows, its views, and Revoke while it works. */
export function ShareLinkItem({
	link,
	back,
	title,
}: {
	link: ShareLinkView
	back: string
	/** What it shares, where the list mixes images and albums. */
	title?: string
}) {
	return (
		<div
			className="space-y-2 rounded-lg border border-zinc-200 bg-white p-3 text-sm"
			data-testid="share-link"
		>
			{title ? <p className="font-medium wrap-anywhere">{title}</p> : null}
			<div className="flex flex-wrap items-center gap-2">
				<a href={link.url} className="min-w-0 flex-1 break-all text-zinc-800 underline">
					{link.url}
				</a>
				{link.state === 'live' ? <CopyButton text={link.url} label="Copy link" /> : null}
			</div>
			<p className="text-zinc-700">
				<span className="font-medium" data-testid="share-link-state">
					{link.state === 'live' ? 'Live' : link.state === 'expired' ? 'Expired' : 'Revoked'}
				</span>
				{' · '}
				{link.viewCount === 1 ? '1 view' : `${link.viewCount} views`}
				{link.expiresAt ? (
					<>
						{' · '}
						{link.state === 'expired' ? 'expired ' : 'expires '}
						<Time iso={link.expiresAt} />
					</>
				) : null}
				{link.hasPassword ? ' · password' : ''}
				{link.allowDownload ? ' · downloads allowed' : ''}
			</p>
			{link.state === 'live' ? (
				<Form method="post" action="/shared">
					<input type="hidden" name="intent" value="revoke" />
					<input type="hidden" name="id" value={link.id} />
					<input type="hidden" name="back" value={back} />
					<button type="submit" className={`${secondaryButtonClass} py-1`}>
						Revoke<span className="sr-only"> the link {link.url}</span>
					</button>
				</Form>
			) : null}
		</div>
	)
}
