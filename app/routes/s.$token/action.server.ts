import { type ActionFunctionArgs, data, redirect } from '@remix-run/node'
import { verifyPassword } from '#app/auth/password.server'
import { ValidationError } from '#app/errors'
import { formAction, formValues } from '#app/forms.server'
import { clientIpOf, hit } from '#app/rate-limit.server'
import { linkState, shareLinkPath } from '#app/sharing/links.server'
import { findShareLink } from '#app/sharing/public.server'
import { unlockLink } from '#app/sharing/unlock.server'
import { publicHeaders } from './loader.server'

const WRONG_PASSWORD = 'That is not the password of this link. Check it with whoever sent it.'

/** The password form: right, a cookie for this link and back to the page; wrong, a readable refusal. */
export async function action(args: ActionFunctionArgs) {
	const { request, params } = args
	const link = await findShareLink(params.token!)
	if (!link || linkState(link) !== 'live') {
		// The page explains it: gone or missing, as its loader answers.
		return data(
			{ error: 'This link is no longer available.' },
			{ status: link ? 410 : 404, headers: publicHeaders },
		)
	}
	const form = await request.formData()
	return formAction({ values: formValues(form, ['password']), secrets: ['password'] }, async () => {
		// Counted per link and address, like sign-ins: a guesser cannot try for long.
		const attempt = await hit(
			request,
			'login',
			`share:${link.id}:${clientIpOf(args)}`,
			'Too many wrong passwords from your network',
		)
		if (!(await verifyPassword(link.passwordHash, String(form.get('password') ?? '')))) {
			throw new ValidationError(WRONG_PASSWORD, [{ path: 'password', message: WRONG_PASSWORD }])
		}
		await attempt?.refund()
		return redirect(shareLinkPath(link.token), {
			headers: { ...publicHeaders, 'Set-Cookie': await unlockLink(request, link) },
		})
	})
}
