import { createCookie, redirect } from '@remix-run/node'
import * as client from 'openid-client'
import { Strategy } from 'remix-auth/strategy'
import { type Config, getSecretKeys } from '#app/config.server'
import { baseUrlOf } from '#app/images/present.server'
import { safeRedirect, sessionCookieSecure } from './auth.server'

// Single sign-on with OpenID Connect (docs/decisions/021-single-sign-on.md):
// a remix-auth strategy on openid-client. The authorization-code flow with
// PKCE; state, nonce and the code verifier wait in a short-lived signed
// cookie; openid-client checks the ID token (signature, issuer, audience,
// expiry, nonce). Who the person is in Darkroom is the verify callback's job.

export type OidcSettings = NonNullable<Config['oidc']>

/** What the provider vouched for, once its ID token passed every check. */
export type OidcIdentity = {
	issuer: string
	subject: string
	email: string | null
	emailVerified: boolean
}

/** Why a sign-in through the provider ended without a session; `reason` is logged and audited. */
export class OidcSignInError extends Error {
	constructor(
		readonly reason: string,
		message: string,
		readonly cause?: unknown,
	) {
		super(message)
	}
}

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback'

/** Where the provider sends the browser back: register this URI with it. */
export const oidcRedirectUri = (request: Request) => `${baseUrlOf(request)}${OIDC_CALLBACK_PATH}`

// Lives for one trip to the provider and back; only the callback reads it.
const FLOW_TTL_SECONDS = 600
const flowCookie = createCookie('darkroom_oidc', {
	httpOnly: true,
	sameSite: 'lax',
	path: OIDC_CALLBACK_PATH,
	maxAge: FLOW_TTL_SECONDS,
	secrets: getSecretKeys(),
})

type Flow = { state: string; nonce: string; codeVerifier: string; redirectTo: string }

const isFlow = (value: unknown): value is Flow =>
	typeof value === 'object' &&
	value !== null &&
	['state', 'nonce', 'codeVerifier', 'redirectTo'].every(
		(key) => typeof (value as Record<string, unknown>)[key] === 'string',
	)

/** The Set-Cookie that ends the flow: its state and nonce are good for one answer only. */
export const forgetFlow = (request: Request) =>
	flowCookie.serialize('', { maxAge: 0, secure: sessionCookieSecure(request) })

let discovered: Promise<client.Configuration> | undefined

/** The provider's metadata, fetched once; a failed discovery is tried again next time. */
function discover(settings: OidcSettings): Promise<client.Configuration> {
	discovered ??= client
		.discovery(
			new URL(settings.issuer),
			settings.clientId,
			settings.clientSecret,
			undefined,
			// Config allows plain http only for a provider on this machine (tests).
			{ execute: settings.issuer.startsWith('http:') ? [client.allowInsecureRequests] : [] },
		)
		.catch((error: unknown) => {
			discovered = undefined
			throw new OidcSignInError(
				'discovery_failed',
				'The sign-in provider could not be reached. Try again in a moment.',
				error,
			)
		})
	return discovered
}

export type OidcVerifyParams = { identity: OidcIdentity; redirectTo: string }

/**
 * GET or POST to the start route: redirects to the provider (thrown, as
 * remix-auth strategies do). The callback: checks the answer and hands the
 * identity to `verify`.
 */
export class OidcStrategy<User> extends Strategy<User, OidcVerifyParams> {
	name = 'oidc'

	constructor(
		private readonly settings: OidcSettings,
		verify: Strategy.VerifyFunction<User, OidcVerifyParams>,
	) {
		super(verify)
	}

	async authenticate(request: Request): Promise<User> {
		const url = new URL(request.url)
		if (url.pathname === OIDC_CALLBACK_PATH) return this.finish(request)
		throw await this.start(request)
	}

	private async start(request: Request): Promise<Response> {
		const configuration = await discover(this.settings)
		const form = request.method === 'POST' ? await request.formData() : null
		const redirectTo = safeRedirect(
			form?.get('redirectTo') ?? new URL(request.url).searchParams.get('redirectTo'),
		)
		const flow: Flow = {
			state: client.randomState(),
			nonce: client.randomNonce(),
			codeVerifier: client.randomPKCECodeVerifier(),
			redirectTo,
		}
		const target = client.buildAuthorizationUrl(configuration, {
			redirect_uri: oidcRedirectUri(request),
			scope: 'openid email profile',
			state: flow.state,
			nonce: flow.nonce,
			code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
			code_challenge_method: 'S256',
		})
		const cookie = await flowCookie.serialize(flow, { secure: sessionCookieSecure(request) })
		return redirect(target.href, { headers: { 'Set-Cookie': cookie } })
	}

	private async finish(request: Request): Promise<User> {
		const flow: unknown = await flowCookie.parse(request.headers.get('Cookie'))
		if (!isFlow(flow)) {
			throw new OidcSignInError(
				'flow_missing',
				'The sign-in took too long or was started in another browser. Please try again.',
			)
		}
		const identity = await this.exchange(request, flow)
		return this.verify({ identity, redirectTo: flow.redirectTo })
	}

	/** The code for tokens; openid-client checks state, PKCE and the ID token. */
	private async exchange(request: Request, flow: Flow): Promise<OidcIdentity> {
		const configuration = await discover(this.settings)
		// The URI the provider was given, with the parameters it sent back.
		const callback = new URL(oidcRedirectUri(request))
		callback.search = new URL(request.url).search
		let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
		try {
			tokens = await client.authorizationCodeGrant(configuration, callback, {
				pkceCodeVerifier: flow.codeVerifier,
				expectedState: flow.state,
				expectedNonce: flow.nonce,
				idTokenExpected: true,
			})
		} catch (error) {
			throw refusalOf(error)
		}
		const claims = tokens.claims()!
		const identity = {
			issuer: claims.iss,
			subject: claims.sub,
			email: typeof claims.email === 'string' ? claims.email : null,
			emailVerified: claims.email_verified === true,
		}
		if (identity.email) return identity
		return { ...identity, ...(await this.userInfoEmail(configuration, tokens, claims.sub)) }
	}

	/** Providers that keep the email out of the ID token still answer it at userinfo. */
	private async userInfoEmail(
		configuration: client.Configuration,
		tokens: client.TokenEndpointResponse,
		subject: string,
	) {
		if (!configuration.serverMetadata().userinfo_endpoint) return {}
		try {
			const info = await client.fetchUserInfo(configuration, tokens.access_token, subject)
			return {
				email: typeof info.email === 'string' ? info.email : null,
				emailVerified: info.email_verified === true,
			}
		} catch (error) {
			throw refusalOf(error)
		}
	}
}

/** What went wrong, in words for the login page; the cause is kept for the log. */
function refusalOf(error: unknown): OidcSignInError {
	if (error instanceof client.AuthorizationResponseError) {
		// access_denied: the person cancelled, or the provider would not let them in.
		return new OidcSignInError(
			`provider_${error.error}`,
			error.error === 'access_denied'
				? 'Sign-in was cancelled or refused at the sign-in provider.'
				: 'The sign-in provider refused the sign-in. Please try again.',
			error,
		)
	}
	const code = (error as { code?: unknown }).code
	const message = messagesOf(error)
	if (/"state"/.test(message)) {
		return new OidcSignInError(
			'state_mismatch',
			'The sign-in answer did not match the sign-in this browser started. Please try again.',
			error,
		)
	}
	if (/"nonce"/.test(message)) {
		return new OidcSignInError(
			'nonce_mismatch',
			'The sign-in answer did not match the sign-in this browser started. Please try again.',
			error,
		)
	}
	if (/"exp"|"iat"|"nbf"/.test(message)) {
		return new OidcSignInError(
			'id_token_expired',
			'The sign-in provider’s answer has expired. Check that its clock is right, then try again.',
			error,
		)
	}
	return new OidcSignInError(
		typeof code === 'string' ? code.toLowerCase() : 'invalid_response',
		'The sign-in provider’s answer could not be checked. Please try again.',
		error,
	)
}

/** openid-client wraps oauth4webapi's error, whose message names the failed check. */
function messagesOf(error: unknown): string {
	const messages: string[] = []
	for (let e = error; e instanceof Error && messages.length < 5; e = e.cause)
		messages.push(e.message)
	return messages.join('\n')
}
