import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { createAlbum, listAlbums } from '#app/albums/albums.server'
import { createAlbumSchema } from '#app/albums/schemas'
import { requirePageUser } from '#app/auth/auth.server'
import { Time } from '#app/components/time'
import { buttonClass, Field } from '#app/components/ui'
import { plural } from '#app/format'
import { type FormRefusal, formAction, formValues } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'

export const meta: MetaFunction = () => [{ title: 'Albums · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	return { albums: await listAlbums(user.id) }
}

/** A new, empty album; its page is next (to add images from the gallery). */
export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const form = await args.request.formData()
	return formAction({ values: formValues(form, ['title']) }, async () => {
		await limitRequest(args, 'process', user.id)
		const album = await createAlbum(
			user.id,
			parseInput(createAlbumSchema, { title: form.get('title') }),
		)
		return redirect(`/albums/${album.id}`)
	})
}

export default function Albums() {
	const { albums } = useLoaderData<typeof loader>()
	const refused = useActionData<FormRefusal>()
	return (
		<div className="space-y-6">
			<div className="flex flex-wrap items-baseline justify-between gap-3">
				<h1 className="text-2xl font-semibold">Albums</h1>
				<Link to="/shared" className="text-sm text-zinc-700 underline hover:text-zinc-900">
					Shared links
				</Link>
			</div>
			{albums.length === 0 ? (
				<p className="text-zinc-700">
					No albums yet. Make one here, or tick images in the gallery and choose “Add to album”.
				</p>
			) : (
				<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
					{albums.map((album) => (
						<li key={album.id} className="rounded-lg border border-zinc-200 bg-white p-4">
							<Link to={`/albums/${album.id}`} className="font-medium wrap-anywhere underline">
								{album.title}
							</Link>
							<p className="mt-1 text-sm text-zinc-700">
								{plural(album.imageCount)} · updated <Time iso={album.updatedAt} format="date" />
							</p>
						</li>
					))}
				</ul>
			)}
			<Form method="post" className="max-w-sm space-y-3" aria-label="New album">
				<Field
					label="New album"
					name="title"
					required
					maxLength={200}
					defaultValue={refused?.values.title as string | undefined}
					error={refused?.fieldErrors.title ?? refused?.error}
				/>
				<button type="submit" className={buttonClass}>
					Create album
				</button>
			</Form>
		</div>
	)
}
