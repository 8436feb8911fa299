import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { addAlbumImages, createAlbum } from '#app/albums/albums.server'
import { MAX_IMAGES_PER_ADD } from '#app/albums/schemas'
import { requirePageUser } from '#app/auth/auth.server'
import { Alert } from '#app/components/ui'
import { type FormRefusal, formAction } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'

// The gallery's bulk action "Add to album": the ticked images go into the
// chosen album, or into a new one with the title typed; then its page.

const NEW_ALBUM = 'new'

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

/** Only a refusal lands here (the images were not added). */
export default function AddToAlbum() {
	const refused = useActionData<FormRefusal>()
	return (
		<div className="max-w-xl space-y-4">
			<h1 className="text-2xl font-semibold">Add to album</h1>
			<Alert>{refused?.error ?? 'Tick images in the gallery, then choose “Add to album”.'}</Alert>
			<Link to="/images" className="text-sm underline">
				Back to your images
			</Link>
		</div>
	)
}
