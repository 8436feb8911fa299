import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { requirePageUser } from '#app/auth/auth.server'
import { deleteImagesText } from '#app/components/delete-confirm'
import { Alert, secondaryButtonClass } from '#app/components/ui'
import { config } from '#app/config.server'
import type { AppError } from '#app/errors'
import { formAction } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { deleteImages, liveImageNames } from '#app/images/trash.server'
import { afterDelete, backTo, MAX_IDS } from '#app/images/undo'

// The confirmation page of the one delete pattern (decision 015): where the
// Delete buttons lead without JavaScript, and what their dialog posts to.

export const meta: MetaFunction = () => [{ title: 'Delete images · Darkroom' }]

const idsOf = (params: URLSearchParams | FormData) =>
	params.getAll('id').map(String).slice(0, MAX_IDS)

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const params = new URL(request.url).searchParams
	const images = await liveImageNames(user, idsOf(params))
	return { images, back: backTo(params.get('back')), trashDays: config.trashDays }
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const form = await args.request.formData()
	// Storage down (503, nothing changed), rate limited: say so on the page, keep the question.
	const message = (error: AppError) => `${error.message} Nothing was deleted; please try again.`
	return formAction({ message }, async () => {
		await limitRequest(args, 'process', user.id)
		// One already gone (deleted in another tab) is no reason to stop.
		const deleted = await deleteImages(user, idsOf(form), { skipMissing: true })
		return redirect(afterDelete(backTo(form.get('back')), deleted, config.trashDays))
	})
}

export default function ConfirmDelete() {
	const { images, back, trashDays } = useLoaderData<typeof loader>()
	const failed = useActionData<typeof action>()
	if (images.length === 0) {
		return (
			<section aria-labelledby="confirm-heading" className="mx-auto max-w-xl space-y-4">
				<h1 id="confirm-heading" className="text-lg font-semibold">
					{failed ? 'Not deleted' : 'Nothing to delete'}
				</h1>
				{failed ? (
					<Alert>{failed.error}</Alert>
				) : (
					<Alert tone="info">
						No image was chosen, or the chosen ones are already deleted. Tick images in the gallery
						first.
					</Alert>
				)}
				<Link to={back} className={secondaryButtonClass}>
					Back to the images
				</Link>
			</section>
		)
	}
	const text = deleteImagesText(images.length, trashDays)
	return (
		<section aria-labelledby="confirm-heading" className="mx-auto max-w-xl space-y-4">
			{failed ? <Alert>{failed.error}</Alert> : null}
			<Form
				method="post"
				className="space-y-4 rounded-lg border border-red-300 bg-red-50 p-5 text-sm text-red-900"
				data-testid="confirm-delete"
			>
				<h1 id="confirm-heading" className="text-lg font-semibold">
					{text.title}
				</h1>
				<p>{text.body}</p>
				<ul className="list-disc pl-5 break-all">
					{images.map((image) => (
						<li key={image.id}>
							{image.filename}
							<input type="hidden" name="id" value={image.id} />
						</li>
					))}
				</ul>
				<input type="hidden" name="back" value={back} />
				<div className="flex flex-wrap gap-2">
					<button
						type="submit"
						// The page exists to answer this one question.
						autoFocus
						className="inline-flex items-center justify-center rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
					>
						{text.confirm}
					</button>
					<Link to={back} className={secondaryButtonClass}>
						Cancel
					</Link>
				</div>
			</Form>
		</section>
	)
}
