import { type ActionFunctionArgs, redirect } from '@remix-run/node'
import { z } from 'zod'
import { requirePageUser, safeRedirect } from '#app/auth/auth.server'
import { formAction } from '#app/forms.server'
import { limitRequest } from '#app/rate-limit.server'
import { createShareLink, revokeShareLink } from '#app/sharing/links.server'
import { createShareLinkSchema } from '#app/sharing/schemas'
import { parseInput } from '#app/validation'

// Making and revoking links, from this page and from the "Share by link"
// section of image and album pages (which send `back` to come back to).

const formSchema = z.discriminatedUnion('intent', [
	z.object({
		intent: z.literal('create'),
		imageId: z.string().optional(),
		albumId: z.string().optional(),
		expiresInDays: z.enum(['', '1', '7', '30']).default(''),
		password: z.string().default(''),
		allowDownload: z.literal('on').optional(),
	}),
	z.object({ intent: z.literal('revoke'), id: z.string() }),
])

const DAY_MS = 86_400_000

export const action = (args: ActionFunctionArgs) =>
	formAction({ message: (error) => `${error.message} No link was changed.` }, () =>
		sharedAction(args),
	)

async function sharedAction(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	await limitRequest(args, 'process', user.id)
	const form = await args.request.formData()
	const input = parseInput(formSchema, Object.fromEntries(form))
	const back = safeRedirect(form.get('back'), '/shared')
	if (input.intent === 'revoke') {
		await revokeShareLink(args, user, input.id)
		return redirect(back)
	}
	const days = Number(input.expiresInDays)
	await createShareLink(
		args,
		user,
		parseInput(createShareLinkSchema, {
			imageId: input.imageId,
			albumId: input.albumId,
			expiresAt: days ? new Date(Date.now() + days * DAY_MS).toISOString() : null,
			password: input.password || undefined,
			allowDownload: input.allowDownload === 'on',
		}),
	)
	return redirect(back)
}
