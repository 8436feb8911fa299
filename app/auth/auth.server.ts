import { createCookie, redirect } from '@remix-run/node'
import { Authenticator } from 'remix-auth'
import { FormStrategy } from 'remix-auth-form'
import { config, getSecretKeys } from '~/config.server'
import type { TokenScope } from '../../db/schema'
import { InsufficientScopeError, UnauthorizedError } from '~/errors'
import {
	clientOf,
	createSession,
	findSession,
	type RequestArgs,
	revokeSession,
} from './sessions.server'
import { type PublicUser, verifyLogin } from './users.server'

// Browser: remix-auth's form strategy checks the password, then a DB-backed
// session row is created and its secret kept in a signed, HttpOnly cookie.
// API: the same rows, handed out as bearer tokens. Pages read the cookie only,
// so a personal token's scopes cannot be sidestepped through a page's action.

export const sessionCookie = createCookie('darkroom_session', {
	httpOnly: true,
	sameSite: 'lax',
	secure: config.isProduction,
	path: '/',
	maxAge: config.sessionTtlDays * 86_400,
	// Signed with the first; a cookie signed with SECRET_KEY_PREVIOUS still opens.
	secrets: getSecretKeys(),
})

export class InvalidCredentialsError extends Error {}

export const authenticator = new Authenticator<PublicUser>()
authenticator.use(
	new FormStrategy(async ({ form }) => {
		const user = await verifyLogin(
			String(form.get('email') ?? ''),
			String(form.get('password') ?? ''),
		)
		if (!user) throw new InvalidCredentialsError('Incorrect email or password.')
		return user
	}),
	'form',
)

export type Authenticated = {
	user: PublicUser
	sessionId: string
	/** What this credential may do: every scope for a sign-in, a personal token's own. */
	scopes: TokenScope[]
}

function bearerToken(request: Request) {
	const header = request.headers.get('Authorization')
	const match = header?.match(/^Bearer\s+(\S+)$/i)
	return match?.[1]
}

/** The same secret in `X-API-Key`, for clients of the older service that send it there. */
function apiKeyToken(request: Request) {
	return request.headers.get('X-API-Key')?.trim() || undefined
}

/** Whether the request names a token of its own (bearer or API key) rather than relying on the cookie. */
const sendsToken = (request: Request) =>
	request.headers.has('Authorization') || request.headers.has('X-API-Key')

async function cookieToken(request: Request): Promise<string | undefined> {
	const value: unknown = await sessionCookie.parse(request.headers.get('Cookie'))
	return typeof value === 'string' ? value : undefined
}

async function authenticate(args: RequestArgs, token: string | undefined) {
	if (!token) return null
	const found = await findSession(token, clientOf(args))
	return found ? { user: found.user, sessionId: found.sessionId, scopes: found.scopes } : null
}

/** The browser's session, from the cookie alone: pages never act for a bearer token. */
const getBrowserSession = async (args: RequestArgs): Promise<Authenticated | null> =>
	authenticate(args, await cookieToken(args.request))

/**
 * What an API route needs: `any` for what every credential may do (who am I,
 * sign this token out), else one scope, which each route states once.
 */
export type RequiredScope = TokenScope | 'any'

/**
 * The API caller from a bearer token, else an X-API-Key, else the session
 * cookie: 401 when none is valid, 403 when it lacks `scope`.
 */
export async function requireApiUser(
	args: RequestArgs,
	{ scope }: { scope: RequiredScope },
): Promise<Authenticated> {
	const { request } = args
	const sent = bearerToken(request) ?? apiKeyToken(request)
	// A bad token is not rescued by a cookie: the caller meant the token.
	const auth = await authenticate(args, sent ?? (await cookieToken(request)))
	if (!auth) {
		throw new UnauthorizedError(
			sendsToken(request)
				? 'The access token is missing, expired or revoked.'
				: 'Authentication required: send Authorization: Bearer <token> (or X-API-Key: <token>).',
		)
	}
	if (scope !== 'any' && !auth.scopes.includes(scope)) throw new InsufficientScopeError(scope)
	return auth
}

/** For the landing, login and register pages: a signed-in user goes to their images. */
export async function redirectIfSignedIn(request: Request) {
	if (await getBrowserSession({ request })) throw redirect('/images')
	return null
}

/** For pages: the signed-in user, or a redirect to the login page. */
export async function requirePageUser(args: RequestArgs): Promise<Authenticated> {
	const auth = await getBrowserSession(args)
	if (!auth) {
		const url = new URL(args.request.url)
		throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`)
	}
	return auth
}

/** Starts a browser session and answers with a redirect that sets its cookie. */
export async function startBrowserSession(user: PublicUser, redirectTo: string, args: RequestArgs) {
	const session = await createSession(user.id, 'cookie', clientOf(args))
	return redirect(safeRedirect(redirectTo), {
		headers: { 'Set-Cookie': await sessionCookie.serialize(session.token) },
	})
}

export async function endBrowserSession(request: Request) {
	const auth = await getBrowserSession({ request })
	if (auth) await revokeSession(auth.sessionId)
	return redirect('/login', {
		headers: { 'Set-Cookie': await sessionCookie.serialize('', { maxAge: 0 }) },
	})
}

/** Only same-site paths: never redirect to another origin after login. */
export function safeRedirect(
	to: FormDataEntryValue | string | null | undefined,
	fallback = '/images',
) {
	if (
		typeof to !== 'string' ||
		!to.startsWith('/') ||
		to.startsWith('//') ||
		to.startsWith('/\\')
	) {
		return fallback
	}
	return to
}
