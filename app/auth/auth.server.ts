import { createCookie, redirect } from '@remix-run/node'
import { Authenticator } from 'remix-auth'
import { FormStrategy } from 'remix-auth-form'
import { recordAudit } from '#app/admin/audit.server'
import { config, getSecretKeys } from '#app/config.server'
import type { TokenScope } from '#db/schema'
import { InsufficientScopeError, UnauthorizedError } from '#app/errors'
import {
	clientOf,
	createSession,
	findSession,
	type RequestArgs,
	revokeSession,
} from './sessions.server'
import type { PublicUser, UserRole } from './users.server'

// Browser: remix-auth's form strategy checks the password, then a DB-backed
// session row is created and its secret kept in a signed, HttpOnly cookie.
// API: the same rows, handed out as bearer tokens. Pages read the cookie only,
// so a personal token's scopes cannot be sidestepped through a page's action.

// Secure is decided per response (sessionCookieSecure), not once for production.
export const sessionCookie = createCookie('darkroom_session', {
	httpOnly: true,
	sameSite: 'lax',
	path: '/',
	maxAge: config.sessionTtlDays * 86_400,
	// Signed with the first; a cookie signed with SECRET_KEY_PREVIOUS still opens.
	secrets: getSecretKeys(),
})

/**
 * Whether the session cookie is marked Secure: when the browser reached us
 * over HTTPS (request.url is built by server/remix.ts from the connection, or
 * from X-Forwarded-Proto when TRUST_PROXY trusts the peer), or when PUBLIC_URL
 * is https. A Secure cookie set over plain HTTP is dropped by the browser, so
 * `http://<machine-ip>:3000` on a home network needs it unmarked.
 */
export const sessionCookieSecure = (request: Request) =>
	new URL(request.url).protocol === 'https:' || config.publicUrl?.startsWith('https:') === true

/**
 * Set with the session cookie, never Secure and short-lived: if the login page
 * later sees it without a session, the browser refused the session cookie,
 * and the page can say why instead of silently asking again.
 */
const signInMarker = createCookie('darkroom_signin', {
	httpOnly: true,
	sameSite: 'lax',
	path: '/',
	maxAge: 60,
})

/** Why the last sign-in did not stick, for the login page; null when nothing went wrong. */
export async function refusedSessionCookie(
	request: Request,
): Promise<{ httpsAddress: string | null } | null> {
	const cookies = request.headers.get('Cookie')
	if (!(await signInMarker.parse(cookies)) || (await cookieToken(request))) return null
	// The likely cause: an https PUBLIC_URL, while this page came over plain HTTP.
	const plainHttp = new URL(request.url).protocol !== 'https:'
	const httpsOnly = plainHttp && config.publicUrl?.startsWith('https:')
	return { httpsAddress: httpsOnly ? config.publicUrl! : null }
}

/**
 * Reads a sign-in form with remix-auth's form strategy and hands it to
 * `verify` (the password check under the sign-in throttle). The form comes
 * back with the result, so the page can keep what was typed; the strategy's
 * copy of the body is bounded by MAX_BODY_BYTES like every form.
 */
export function authenticateForm<T>(request: Request, verify: (form: FormData) => Promise<T>) {
	return new Authenticator<{ form: FormData; result: T }>()
		.use(new FormStrategy(async ({ form }) => ({ form, result: await verify(form) })), 'form')
		.authenticate('form', request)
}

export type Authenticated = {
	user: PublicUser & { role: UserRole }
	sessionId: string
	/** What this credential may do: every scope for a sign-in, a personal token's own. */
	scopes: TokenScope[]
	/** The account's own byte quota (users.quota_bytes), null when QUOTA_MAX_BYTES_PER_USER applies. */
	quotaBytes: number | null
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
	if (!found) return null
	const { user, sessionId, scopes, quotaBytes } = found
	return { user, sessionId, scopes, quotaBytes }
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
export async function startBrowserSession(
	user: PublicUser,
	redirectTo: FormDataEntryValue | string | null,
	args: RequestArgs,
) {
	const session = await createSession(user.id, 'cookie', clientOf(args))
	const headers = new Headers()
	const secure = sessionCookieSecure(args.request)
	headers.append('Set-Cookie', await sessionCookie.serialize(session.token, { secure }))
	headers.append('Set-Cookie', await signInMarker.serialize('1'))
	return redirect(safeRedirect(redirectTo), { headers })
}

export async function endBrowserSession(request: Request) {
	const auth = await getBrowserSession({ request })
	if (auth) {
		await revokeSession(auth.sessionId)
		await recordAudit({ request }, { action: 'auth.sign_out', actor: auth.user })
	}
	const headers = new Headers()
	const secure = sessionCookieSecure(request)
	headers.append('Set-Cookie', await sessionCookie.serialize('', { maxAge: 0, secure }))
	// A sign-out right after signing in is no refused cookie.
	headers.append('Set-Cookie', await signInMarker.serialize('', { maxAge: 0 }))
	return redirect('/login', { headers })
}

// Any fixed origin will do: only what a target means relative to a site matters.
const SITE = new URL('http://darkroom.invalid')
// eslint-disable-next-line no-control-regex
const hostile = /[\u0000-\u001f\u007f\\]/

/**
 * Only paths on this site: never redirect to another origin after sign-in.
 * The target is resolved as a browser would (which drops tabs and newlines
 * and reads `\` as `/`), and must stay on the site's origin. Control
 * characters and backslashes are refused outright, also percent-encoded, as
 * is a path that starts with `//` once resolved (`/.//evil` becomes one).
 */
export function safeRedirect(
	to: FormDataEntryValue | string | null | undefined,
	fallback = '/images',
) {
	if (typeof to !== 'string' || !to.startsWith('/') || hostile.test(to)) return fallback
	let url: URL
	let decoded: string
	try {
		url = new URL(to, SITE)
		decoded = decodeURIComponent(url.pathname)
	} catch {
		return fallback
	}
	const leavesSite =
		url.origin !== SITE.origin || [url.pathname, decoded].some(startsWithTwoSlashes)
	if (leavesSite || hostile.test(decoded)) {
		return fallback
	}
	return url.pathname + url.search + url.hash
}

const startsWithTwoSlashes = (path: string) => path.startsWith('//')
