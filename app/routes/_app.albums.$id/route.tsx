import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { coverOf, getAlbum } from '#app/albums/albums.server'
import { requirePageUser } from '#app/auth/auth.server'
import { ShareLinks } from '#app/components/share-links'
import { Alert, buttonClass, Field, secondaryButtonClass } from '#app/components/ui'
import { config } from '#app/config.server'
import { NotFoundError } from '#app/errors'
import { plural } from '#app/format'
import type { FormRefusal } from '#app/forms.server'
import { baseUrlOf } from '#app/images/present.server'
import { renditionUrl } from '#app/renditions/urls.server'
import { presentShareLinksOf } from '#app/sharing/links.server'

export { action } from './action.server'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.album.title} · Albums · Darkroom` : 'Album · Darkroom' },
]

const THUMB_SIZE = 256

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	try {
		const { album, images } = await getAlbum(user.id, params.id!)
		const baseUrl = baseUrlOf(request)
		// The owner's own view: signed thumbnails (these do not depend on a share link).
		const thumb = config.renditions.presets.thumb ?? { width: THUMB_SIZE, height: THUMB_SIZE }
		return {
			album: { id: album.id, title: album.title },
			coverId: coverOf(album, images)?.id ?? null,
			images: images.map((image) => ({
				id: image.id,
				filename: image.filename,
				thumbUrl: renditionUrl(image, thumb, baseUrl),
			})),
			links: await presentShareLinksOf(user.id, { albumId: album.id }, baseUrl),
		}
	} catch (error) {
		if (error instanceof NotFoundError) throw new Response('Not found', { status: 404 })
		throw error
	}
}

export default function AlbumPage() {
	const { album, coverId, images, links } = useLoaderData<typeof loader>()
	const refused = useActionData<FormRefusal & { intent?: string }>()
	return (
		<article className="space-y-8">
			<header className="space-y-3">
				<Link to="/albums" className="text-sm text-zinc-600 underline">
					← All albums
				</Link>
				<h1 className="text-2xl font-semibold wrap-anywhere">{album.title}</h1>
				<p className="text-sm text-zinc-700">{plural(images.length)}</p>
				{refused && refused.intent !== 'rename' ? <Alert>{refused.error}</Alert> : null}
			</header>

			{images.length === 0 ? (
				<p className="text-zinc-700">
					This album is empty. In{' '}
					<Link to="/images" className="underline">
						your images
					</Link>
					, tick some and choose “Add to album”.
				</p>
			) : (
				<ol className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" aria-label="Images in order">
					{images.map((image, index) => (
						<li
							key={image.id}
							id={`image-${image.id}`}
							className="space-y-2 rounded-lg border border-zinc-200 bg-white p-2"
						>
							<Link to={`/images/${image.id}`} className="block">
								<img
									src={image.thumbUrl}
									width={THUMB_SIZE}
									height={THUMB_SIZE}
									alt={image.filename}
									loading="lazy"
									className="aspect-square h-auto w-full rounded object-cover"
								/>
							</Link>
							<p className="truncate text-sm" title={image.filename}>
								{index + 1}. {image.filename}
								{image.id === coverId ? <span className="ml-1 font-medium">(cover)</span> : null}
							</p>
							<Form method="post" className="flex flex-wrap gap-1">
								<input type="hidden" name="image" value={image.id} />
								<ImageButton
									intent="up"
									label="Move up"
									filename={image.filename}
									disabled={index === 0}
								/>
								<ImageButton
									intent="down"
									label="Move down"
									filename={image.filename}
									disabled={index === images.length - 1}
								/>
								{image.id === coverId ? null : (
									<ImageButton intent="cover" label="Make cover" filename={image.filename} />
								)}
								<ImageButton intent="remove" label="Remove" filename={image.filename} />
							</Form>
						</li>
					))}
				</ol>
			)}

			<div className="grid gap-8 lg:grid-cols-2">
				<ShareLinks target={{ albumId: album.id }} links={links} back={`/albums/${album.id}`} />
				<section aria-labelledby="album-settings" className="space-y-4">
					<h2 id="album-settings" className="text-lg font-semibold">
						Album
					</h2>
					<Form method="post" className="space-y-3">
						<input type="hidden" name="intent" value="rename" />
						<Field
							label="Title"
							name="title"
							required
							maxLength={200}
							defaultValue={(refused?.values.title as string | undefined) ?? album.title}
							error={refused?.intent === 'rename' ? refused.error : undefined}
						/>
						<button type="submit" className={secondaryButtonClass}>
							Rename
						</button>
					</Form>
					<Form method="post">
						<input type="hidden" name="intent" value="delete" />
						<button type="submit" className={buttonClass}>
							Delete album
						</button>
						<p className="mt-1 text-sm text-zinc-700">Its images stay in your library.</p>
					</Form>
				</section>
			</div>
		</article>
	)
}

function ImageButton({
	intent,
	label,
	filename,
	disabled,
}: {
	intent: string
	label: string
	filename: string
	disabled?: boolean
}) {
	return (
		<button
			type="submit"
			name="intent"
			value={intent}
			disabled={disabled}
			className={`${secondaryButtonClass} px-2 py-1 text-xs disabled:opacity-50`}
		>
			{label}
			<span className="sr-only"> {filename}</span>
		</button>
	)
}
