import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { requirePageUser } from '#app/auth/auth.server'
import { formAction } from '#app/forms.server'
import { reprocessImages } from '#app/images/process.server'
import { setVisibility } from '#app/images/visibility.server'
import { limitRequest } from '#app/rate-limit.server'

/** Process or analyse again, share or unshare; a refusal (rate limited…) shows beside the buttons. */
export async function action(args: ActionFunctionArgs) {
	const { request, params, context } = args
	const { user } = await requirePageUser(args)
	const intent = (await request.formData()).get('intent')
	return formAction({}, async () => {
		// The same per-user budget as POST /api/images/{id}/process.
		await limitRequest(args, 'process', user.id)
		if (intent === 'share' || intent === 'unshare') {
			await setVisibility(args, user, [params.id!], intent === 'share' ? 'team' : 'private')
			return redirect(`/images/${params.id}${new URL(request.url).search}`)
		}
		const stages = intent === 'analyze' ? (['ai'] as const) : (['image', 'ai'] as const)
		// Gone meanwhile (another tab): a 404 with its message, and the 404 page without JavaScript.
		await reprocessImages(user, [params.id!], [...stages], context.requestId)
		// Back to the same list context (previous/next, "All images").
		return redirect(`/images/${params.id}${new URL(request.url).search}`)
	})
}
