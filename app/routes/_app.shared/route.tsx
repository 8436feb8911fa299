import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { ShareLinkItem } from '#app/components/share-links'
import { Time } from '#app/components/time'
import { Alert } from '#app/components/ui'
import { requirePageUser } from '#app/auth/auth.server'
import { describeUserAgent } from '#app/format'
import type { FormRefusal } from '#app/forms.server'
import { baseUrlOf } from '#app/images/present.server'
import { listShareLinks, listShareLinkViews, presentShareLink } from '#app/sharing/links.server'

export { action } from './action.server'

export const meta: MetaFunction = () => [{ title: 'Shared links · Darkroom' }]

/** All of the user's links, newest first, each with its recent views. */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const baseUrl = baseUrlOf(request)
	const links = await listShareLinks(user.id)
	return {
		links: await Promise.all(
			links.map(async (link) => ({
				link: presentShareLink(link, baseUrl),
				title: link.targetTitle,
				targetPath: link.imageId ? `/images/${link.imageId}` : `/albums/${link.albumId}`,
				views: link.viewCount > 0 ? await listShareLinkViews(link.id) : [],
			})),
		),
	}
}

export default function SharedLinks() {
	const { links } = useLoaderData<typeof loader>()
	const refused = useActionData<FormRefusal>()
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-semibold">Shared links</h1>
			<p className="text-sm text-zinc-700">
				Links to your images and albums that anyone may open without signing in. Make one from an
				image&apos;s or an album&apos;s page.
			</p>
			{refused ? <Alert>{refused.error}</Alert> : null}
			{links.length === 0 ? (
				<p className="text-zinc-700">You have not shared anything by link yet.</p>
			) : (
				<ul className="space-y-4">
					{links.map(({ link, title, targetPath, views }) => (
						<li key={link.id} className="space-y-2">
							<ShareLinkItem link={link} back="/shared" title={title} />
							<div className="flex flex-wrap gap-4 px-3 text-sm">
								<Link to={targetPath} className="text-zinc-700 underline">
									Open {link.imageId ? 'the image' : 'the album'}
									<span className="sr-only"> {title}</span>
								</Link>
							</div>
							{views.length > 0 ? <Views views={views} /> : null}
						</li>
					))}
				</ul>
			)}
		</div>
	)
}

function Views({
	views,
}: {
	views: Array<{ viewedAt: string; userAgent: string | null; referrer: string | null }>
}) {
	return (
		<details className="px-3 text-sm">
			<summary className="cursor-pointer text-zinc-700">Recent views</summary>
			<table className="mt-2 w-full text-left">
				<thead>
					<tr className="text-zinc-600">
						<th scope="col" className="py-1 pr-4 font-medium">
							When
						</th>
						<th scope="col" className="py-1 pr-4 font-medium">
							Browser
						</th>
						<th scope="col" className="py-1 font-medium">
							Came from
						</th>
					</tr>
				</thead>
				<tbody>
					{views.map((view, index) => (
						<tr key={index} className="border-t border-zinc-200">
							<td className="py-1 pr-4">
								<Time iso={view.viewedAt} />
							</td>
							<td className="py-1 pr-4">{describeUserAgent(view.userAgent)}</td>
							<td className="py-1 break-all">{view.referrer ?? 'Direct'}</td>
						</tr>
					))}
				</tbody>
			</table>
		</details>
	)
}
