import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { addAlbumImages, createAlbum, listAlbums } from '#app/albums/albums.server'
import { MAX_IMAGES_PER_ADD } from '#app/albums/schemas'
import { requirePageUser } from '#app/auth/auth.server'
import { Alert, buttonClass } from '#app/components/ui'
import { plural } from '#app/format'
import { type FormRefusal, formAction } from '#app/forms.server'
import { backTo } from '#app/images/undo'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'

// The gallery's bulk action "Add to album…": its form arrives here as a GET
// with the ticked ids; this page asks which album (or a new one's title),
// then the images go in and the album's page follows.

export const meta: MetaFunction = () => [{ title: 'Add to album · Darkroom' }]

const NEW_ALBUM = 'new'

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const params = new URL(request.url).searchParams
	return {
		ids: params.getAll('id').slice(0, MAX_IMAGES_PER_ADD),
		back: backTo(params.get('back')),
		albums: (await listAlbums(user.id)).map(({ id, title }) => ({ id, title })),
	}
}

const formSchema = z.object({
	album: z.string().min(1, 'Choose an album.'),
	title: z.string().trim().default(''),
	id: z
		.array(z.uuid())
		.min(1, 'Select at least one image first.')
		.max(MAX_IMAGES_PER_ADD, `Select at most ${MAX_IMAGES_PER_ADD} images at a time.`),
})

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const form = await args.request.formData()
	return formAction({}, async () => {
		await limitRequest(args, 'process', user.id)
		const input = parseInput(formSchema, {
			album: form.get('album') ?? '',
			title: form.get('title') ?? '',
			id: form.getAll('id'),
		})
		if (input.album === NEW_ALBUM) {
			const album = await createAlbum(user.id, {
				title: input.title || 'New album',
				imageIds: input.id,
			})
			return redirect(`/albums/${album.id}`)
		}
		await addAlbumImages(user.id, input.album, input.id)
		return redirect(`/albums/${input.album}`)
	})
}

export default function AddToAlbum() {
	const { ids, back, albums } = useLoaderData<typeof loader>()
	const refused = useActionData<FormRefusal>()
	if (ids.length === 0) {
		return (
			<div className="max-w-xl space-y-4">
				<h1 className="text-2xl font-semibold">Add to album</h1>
				<p className="text-zinc-700">
					Tick images in the gallery first, then choose “Add to album…”.
				</p>
				<Link to={back} className="text-sm underline">
					Back to your images
				</Link>
			</div>
		)
	}
	return (
		<div className="max-w-xl space-y-4">
			<h1 className="text-2xl font-semibold">Add {plural(ids.length)} to an album</h1>
			{refused ? <Alert>{refused.error}</Alert> : null}
			<Form method="post" className="space-y-4">
				{ids.map((id) => (
					<input key={id} type="hidden" name="id" value={id} />
				))}
				<div>
					<label htmlFor="album" className="block text-sm font-medium text-zinc-700">
						Album
					</label>
					<select
						id="album"
						name="album"
						defaultValue={albums[0]?.id ?? NEW_ALBUM}
						className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2"
					>
						{albums.map((album) => (
							<option key={album.id} value={album.id}>
								{album.title}
							</option>
						))}
						<option value={NEW_ALBUM}>New album…</option>
					</select>
				</div>
				<div>
					<label htmlFor="title" className="block text-sm font-medium text-zinc-700">
						New album title (for “New album…”)
					</label>
					<input
						id="title"
						name="title"
						maxLength={200}
						className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2"
					/>
				</div>
				<div className="flex flex-wrap items-center gap-4">
					<button type="submit" className={buttonClass}>
						Add to album
					</button>
					<Link to={back} className="text-sm underline">
						Cancel
					</Link>
				</div>
			</Form>
		</div>
	)
}
