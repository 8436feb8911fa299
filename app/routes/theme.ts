import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { safeRedirect } from '#app/auth/auth.server'
import { parseTheme, themeCookie } from '#app/theme.server'

// POST /theme from the theme switch: a plain form, so it works without JavaScript.
export async function action({ request }: ActionFunctionArgs) {
	const form = await request.formData()
	const theme = parseTheme(form.get('theme'))
	if (!theme) {
		// Only a hand-made request gets here: the page goes back unchanged, a fetcher hears why.
		if (form.get('redirectTo') !== null) return redirect(safeRedirect(form.get('redirectTo'), '/'))
		return Response.json({ error: 'Choose system, light or dark.' }, { status: 422 })
	}
	const headers = { 'Set-Cookie': await themeCookie.serialize(theme) }
	// A fetcher (JavaScript on) needs no redirect: the page applies the choice itself.
	// (A plain Response: single fetch drops data()'s headers from a resource route.)
	if (form.get('redirectTo') === null) return Response.json({ theme }, { headers })
	return redirect(safeRedirect(form.get('redirectTo'), '/'), { headers })
}

export const loader = () => redirect('/')
