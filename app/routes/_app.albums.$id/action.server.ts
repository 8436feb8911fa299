import { type ActionFunctionArgs, redirect } from '@remix-run/node'
import { z } from 'zod'
import {
	deleteAlbum,
	moveAlbumImage,
	removeAlbumImage,
	updateAlbum,
} from '#app/albums/albums.server'
import { updateAlbumSchema } from '#app/albums/schemas'
import { requirePageUser } from '#app/auth/auth.server'
import { formAction, formValues } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'

// The album page's buttons: rename, delete, and per image move up or down,
// make the cover, take out. Each a plain form; back to the page after.

const formSchema = z.discriminatedUnion('intent', [
	z.object({ intent: z.literal('rename'), title: z.string() }),
	z.object({ intent: z.literal('delete') }),
	z.object({ intent: z.enum(['up', 'down', 'cover', 'remove']), image: z.string() }),
])

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const albumId = args.params.id!
	const form = await args.request.formData()
	return formAction(
		{ values: formValues(form, ['title']), about: { intent: form.get('intent') } },
		async () => {
			await limitRequest(args, 'process', user.id)
			const input = parseInput(formSchema, Object.fromEntries(form))
			const page = `/albums/${albumId}`
			switch (input.intent) {
				case 'rename':
					await updateAlbum(user.id, albumId, parseInput(updateAlbumSchema, { title: input.title }))
					return redirect(page)
				case 'delete':
					await deleteAlbum(user.id, albumId)
					return redirect('/albums')
				case 'cover':
					await updateAlbum(user.id, albumId, { coverImageId: input.image })
					return redirect(page)
				case 'remove':
					await removeAlbumImage(user.id, albumId, input.image)
					return redirect(page)
				default:
					await moveAlbumImage(user.id, albumId, input.image, input.intent)
					// Back at the image moved, so the next press is one Tab away.
					return redirect(`${page}#image-${input.image}`)
			}
		},
	)
}
