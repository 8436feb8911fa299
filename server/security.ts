import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Request, RequestHandler } from 'express'
import { config } from '#app/config.server'
import { CrossSiteRequestError } from '#app/errors'
import { requestOrigin } from './hosts'
import { isApi, sendPage, sendProblem } from './responses'

// Browser-facing protections that apply to every request, before Remix:
// security headers (with the CSP nonce Remix renders into its scripts),
// CORS for /api, and the Origin check against cross-site request forgery.

// ---------------------------------------------------------------------------
// Security headers

/**
 * A fresh CSP nonce per request (res.locals.cspNonce, handed to Remix through
 * the load context), and the security headers on every response. They are
 * added just before the head is written and only where the app set none, so a
 * route with a stricter policy of its own (files.$.ts) keeps it.
 */
export function securityHeaders({ dev = false } = {}): RequestHandler {
	const imageSources = ["'self'", 'data:', 'blob:', ...imageOrigins()]
	// Built once: only the nonce differs from one response to the next.
	const policy = contentSecurityPolicy(NONCE_SLOT, imageSources, dev).split(NONCE_SLOT)
	const fixed = Object.entries({
		'X-Content-Type-Options': 'nosniff',
		'Referrer-Policy': 'same-origin',
		'X-Frame-Options': 'DENY',
		// Over plain HTTP browsers ignore it; production is expected behind HTTPS.
		...(config.isProduction ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
	})
	return (_req, res, next) => {
		const nonce = randomBytes(16).toString('base64')
		res.locals.cspNonce = nonce
		const headers = [['Content-Security-Policy', policy.join(nonce)], ...fixed] as const
		beforeHead(res, () => {
			for (const [name, value] of headers) {
				if (!res.hasHeader(name)) res.setHeader(name, value)
			}
		})
		next()
	}
}

/** Where the nonce goes in the policy; base64 never contains it. */
const NONCE_SLOT = '<nonce>'

function contentSecurityPolicy(nonce: string, imageSources: string[], dev: boolean) {
	const directives: Record<string, string[]> = {
		'default-src': ["'self'"],
		// Vite's dev server injects inline scripts and talks over a WebSocket
		// (hot reload): dev relaxes scripts and connections, nothing else.
		'script-src': dev
			? ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
			: ["'self'", `'nonce-${nonce}'`],
		'style-src': ["'self'", "'unsafe-inline'"],
		'img-src': imageSources,
		'connect-src': dev ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
		'frame-ancestors': ["'none'"],
		'base-uri': ["'self'"],
		// The single sign-on button's form is answered with a redirect to the
		// provider, which browsers hold to form-action too.
		'form-action': ["'self'", ...(config.oidc ? [new URL(config.oidc.issuer).origin] : [])],
		'object-src': ["'none'"],
	}
	return Object.entries(directives)
		.map(([name, sources]) => `${name} ${sources.join(' ')}`)
		.join('; ')
}

/** Where signed image URLs point besides this origin: PUBLIC_URL and the S3 endpoint. */
function imageOrigins(): string[] {
	const origins = new Set<string>()
	if (config.publicUrl) origins.add(new URL(config.publicUrl).origin)
	const storage = config.storage
	if (storage.driver === 's3') {
		if (storage.endpoint) {
			const url = new URL(storage.endpoint)
			// Virtual-hosted style puts the bucket in the host name.
			origins.add(
				storage.forcePathStyle ? url.origin : `${url.protocol}//${storage.bucket}.${url.host}`,
			)
		} else {
			origins.add(`https://${storage.bucket}.s3.${storage.region}.amazonaws.com`)
			// AWS falls back to path style for bucket names with dots.
			origins.add(`https://s3.${storage.region}.amazonaws.com`)
		}
	}
	return [...origins]
}

/** Runs `apply` right before the response head is written, whoever writes it. */
function beforeHead(res: ServerResponse, apply: () => void) {
	const writeHead = res.writeHead
	res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
		apply()
		return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
	} as typeof res.writeHead
}

// ---------------------------------------------------------------------------
// CORS (mounted on /api)

const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE'
const ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Idempotency-Key, If-None-Match'
const EXPOSED_HEADERS =
	'Location, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Idempotent-Replayed, ETag'

/**
 * Exactly the origins in CORS_ORIGINS (none by default) may call the API from
 * a browser, with bearer tokens only: no credentials, so never the cookie.
 * Other origins get no CORS headers at all.
 */
export function cors(): RequestHandler {
	const allowed = new Set(config.corsOrigins.map(normalizeOrigin))
	return (req, res, next) => {
		if (allowed.size === 0) return next()
		// Answers differ by Origin: caches must keep them apart.
		res.vary('Origin')
		const origin = req.get('Origin')
		if (!origin || !allowed.has(origin)) return next()
		res.set('Access-Control-Allow-Origin', origin)
		if (req.method === 'OPTIONS' && req.get('Access-Control-Request-Method')) {
			res.set({
				'Access-Control-Allow-Methods': ALLOWED_METHODS,
				'Access-Control-Allow-Headers': ALLOWED_HEADERS,
				'Access-Control-Max-Age': '600',
			})
			res.status(204).end()
			return
		}
		res.set('Access-Control-Expose-Headers', EXPOSED_HEADERS)
		next()
	}
}

function normalizeOrigin(origin: string) {
	try {
		return new URL(origin).origin
	} catch {
		return origin
	}
}

// ---------------------------------------------------------------------------
// Cross-site request forgery

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const SESSION_COOKIE = /(?:^|;\s*)darkroom_session=/
const BEARER = /^Bearer\s+\S+$/i

/**
 * An unsafe request that the session cookie would authenticate must come from
 * this site: its Origin (or, without one, its Referer) must be the app's own
 * origin. Bearer-token and anonymous API calls carry no ambient credential and
 * pass. A page form from another site is refused even without a cookie, which
 * also stops signing a victim in to the attacker's account. SameSite=Lax on
 * the cookie is the first line; this is the second.
 */
export function csrf(): RequestHandler {
	return (req, res, next) => {
		const refusal = crossSiteRefusal(req)
		if (!refusal) return next()
		if (isApi(req)) void sendProblem(res, new CrossSiteRequestError(refusal)).catch(next)
		else sendPage(res, 403, 'Forbidden', pageRefusal(req))
	}
}

function crossSiteRefusal(req: Request): string | undefined {
	if (SAFE_METHODS.has(req.method)) return undefined
	// As in auth.server.ts: only a bearer token or an X-API-Key makes the cookie irrelevant.
	const byCookie =
		SESSION_COOKIE.test(req.get('Cookie') ?? '') &&
		!BEARER.test(req.get('Authorization') ?? '') &&
		!req.get('X-API-Key')?.trim()
	if (isApi(req) && !byCookie) return undefined
	const source = sourceOrigin(req)
	if (source === undefined) {
		return byCookie
			? 'This request is authenticated by the session cookie but has neither an Origin nor a Referer header, so it cannot be told from a cross-site request. Send Origin, or use Authorization: Bearer <token>.'
			: undefined
	}
	if (ownOrigins(req).includes(source)) return undefined
	return `This request comes from another origin (${source}); requests with the session cookie are accepted only from this site. API clients should use Authorization: Bearer <token>.`
}

const sourceOrigin = (req: Request) => req.get('Origin') ?? refererOrigin(req.get('Referer'))

/**
 * PUBLIC_URL's origin, and the origin the request itself was addressed to (a
 * checked host in production; the protocol from TRUST_PROXY's proxies only),
 * as Django compares Origin with Host: a page opened at the machine's LAN
 * address posts to that address. A cross-site page cannot choose the Host its
 * victim's browser sends; a rebound DNS name carries no cookie of ours and is
 * refused by the host check in production.
 */
function ownOrigins(req: Request) {
	const own = [requestOrigin(req)]
	if (config.publicUrl) own.push(new URL(config.publicUrl).origin)
	return own
}

/** The refusal page, naming the likely cause when the form came from this host by another protocol. */
function pageRefusal(req: Request) {
	const source = escapeHtml(sourceOrigin(req) ?? 'an unknown page')
	const addressed = escapeHtml(requestOrigin(req))
	const sameHost = source.replace(/^\w+:\/\//, '') === addressed.replace(/^\w+:\/\//, '')
	const cause = sameHost
		? `This form was sent from ${source}, but this server was reached as ${addressed}. ` +
			'If Darkroom runs behind an HTTPS proxy, set TRUST_PROXY (or PUBLIC_URL) so it knows the address people use. '
		: `This form was sent from another site (${source}), so Darkroom refused it. `
	return `${cause}Go back to <a href="/images">your images</a> and try again from there.`
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function refererOrigin(referer: string | undefined) {
	if (!referer) return undefined
	try {
		return new URL(referer).origin
	} catch {
		return 'an unreadable Referer'
	}
}
