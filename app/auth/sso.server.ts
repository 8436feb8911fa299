import { createCookie, redirect } from '@remix-run/node'
import { Authenticator } from 'remix-auth'
import { recordAudit } from '#app/admin/audit.server'
import { config, getSecretKeys } from '#app/config.server'
import { NotFoundError } from '#app/errors'
import { log } from '#app/log.server'
import { startBrowserSession } from './auth.server'
import { forgetFlow, OidcSignInError, OidcStrategy } from './oidc.server'
import type { RequestArgs } from './sessions.server'
import { resolveSsoAccount } from './sso-accounts.server'
import type { PublicUser } from './users.server'

// The routes' side of single sign-on: run the strategy, then start a session
// exactly as a password sign-in does, or take the person back to the login
// page with the reason, which is logged and audited.

/** Single sign-on's settings; 404 when it is not configured. */
function requireOidc() {
	if (!config.oidc) throw new NotFoundError('Single sign-on is not configured on this instance.')
	return config.oidc
}

/**
 * Why the last single sign-on failed, for the login page to show once.
 * Signed, so nobody can put their own words on our login page.
 */
const refusalNotice = createCookie('darkroom_sso_refusal', {
	httpOnly: true,
	sameSite: 'lax',
	path: '/login',
	maxAge: 60,
	secrets: getSecretKeys(),
})

/** Start (a redirect to the provider) or callback (a session, or the login page with a reason). */
export async function signInWithOidc(args: RequestArgs): Promise<Response> {
	const settings = requireOidc()
	const strategy = new OidcStrategy(settings, async ({ identity, redirectTo }) => ({
		user: await resolveSsoAccount(args, identity, settings),
		redirectTo,
	}))
	try {
		const { user, redirectTo } = await new Authenticator<{ user: PublicUser; redirectTo: string }>()
			.use(strategy, 'oidc')
			.authenticate('oidc', args.request)
		await recordAudit(args, { action: 'auth.sign_in', actor: user, details: { method: 'oidc' } })
		const response = await startBrowserSession(user, redirectTo, args)
		response.headers.append('Set-Cookie', await forgetFlow(args.request))
		return response
	} catch (error) {
		// The start's redirect to the provider.
		if (error instanceof Response) return error
		if (!(error instanceof OidcSignInError)) throw error
		return refuse(args, error)
	}
}

async function refuse(args: RequestArgs, error: OidcSignInError) {
	log.warn(
		{ reason: error.reason, issuer: config.oidc?.issuer, err: error.cause ?? error },
		'Single sign-on refused',
	)
	await recordAudit(args, {
		action: 'auth.sign_in_failed',
		actor: null,
		details: { method: 'oidc', reason: error.reason },
	})
	const headers = new Headers()
	headers.append('Set-Cookie', await refusalNotice.serialize(error.message))
	headers.append('Set-Cookie', await forgetFlow(args.request))
	return redirect('/login', { headers })
}

/** The reason the last single sign-on failed, and the header that forgets it; null when none. */
export async function ssoRefusal(request: Request) {
	const message: unknown = await refusalNotice.parse(request.headers.get('Cookie'))
	if (typeof message !== 'string') return null
	return { message, clear: await refusalNotice.serialize('', { maxAge: 0 }) }
}
