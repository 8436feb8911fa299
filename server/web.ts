import { randomUUID } from 'node:crypto'
import type http from 'node:http'
import { isIP } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import { config } from '#app/config.server'
import { log } from '#app/log.server'
import { warnIfMetricsPublic } from '#app/metrics-access.server'
import {
	answerRenditionHit,
	startRenditionHits,
	stopRenditionHits,
} from '#app/renditions/hits.server'
import { startTracing } from '#app/tracing.server'
import { httpRequestDuration } from '#app/metrics.server'
import { bodyLimit } from './body-limit'
import { hostCheck } from './hosts'
import { remixHandler } from './remix'
import { type MatchedRoute, matchRoute } from './routes'
import { cors, csrf, securityHeaders } from './security'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

declare module '@remix-run/node' {
	interface AppLoadContext {
		requestId: string
		// Optional only for loaders called directly, as some tests do.
		/** The client's address, always an IP (X-Forwarded-For only from TRUST_PROXY's proxies). */
		clientIp?: string
		/** This response's Content-Security-Policy nonce (server/security.ts). */
		cspNonce?: string
	}
}

/** The HTTP server: static assets, then every request through Remix. */
export async function startWeb({ dev = false } = {}): Promise<http.Server> {
	startTracing('darkroom-web')
	const app = express()
	app.disable('x-powered-by')
	app.set('trust proxy', config.trustProxy)

	const vite = dev
		? await import('vite').then((m) => m.createServer({ server: { middlewareMode: true }, root }))
		: undefined
	const build: ServerBuild | (() => Promise<ServerBuild>) = vite
		? () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>
		: ((await import(path.join(root, 'build/server/index.js'))) as ServerBuild)

	app.use(
		compression({
			// Server-sent events must leave as they are written, not wait in a gzip buffer.
			filter: (req, res) => !isEventStream(res) && compression.filter(req, res),
		}),
	)
	app.use(matchedRoute(build))
	app.use((req, res, next) => {
		const incoming = req.get('X-Request-Id')
		const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID()
		res.locals.requestId = requestId
		res.set('X-Request-Id', requestId)
		const started = performance.now()
		res.on('finish', () => {
			const seconds = (performance.now() - started) / 1000
			httpRequestDuration.observe(
				{ route: routeLabel(res), method: req.method, status: res.statusCode },
				seconds,
			)
			log.info(
				{
					requestId,
					method: req.method,
					path: req.path,
					status: res.statusCode,
					ms: Math.round(seconds * 1000),
				},
				'request',
			)
		})
		next()
	})
	app.use(discardUnreadBody)
	app.use(securityHeaders({ dev }))
	app.use(hostCheck())
	app.use('/api', cors())
	app.use(csrf())
	app.use(bodyLimit())

	if (vite) {
		app.use(vite.middlewares)
	} else {
		const client = path.join(root, 'build/client')
		app.use(
			'/assets',
			express.static(path.join(client, 'assets'), {
				immutable: true,
				maxAge: '1y',
				setHeaders: (res) => labelStatic(res, '/assets/*'),
			}),
		)
		app.use(
			express.static(client, { maxAge: '1h', setHeaders: (res) => labelStatic(res, 'static') }),
		)
	}
	if (!dev) {
		startRenditionHits()
		app.use('/img', renditionHits)
	}
	app.all(
		'*',
		remixHandler({
			build,
			mode: dev ? 'development' : 'production',
			getLoadContext: (req, res) => ({
				requestId: res.locals.requestId as string,
				clientIp: clientAddress(req),
				cspNonce: res.locals.cspNonce as string,
			}),
		}),
	)

	return new Promise((resolve, reject) => {
		const server = app.listen(config.port, config.host, () => {
			log.info(
				{ port: config.port, host: config.host },
				`Darkroom listening on http://localhost:${config.port}`,
			)
			warnIfMetricsPublic('web')
			resolve(server)
		})
		server.on('error', reject)
		trackOpenResponses(server)
	})
}

/** Hits of signed rendition URLs, before Remix; anything else goes on to the route. */
function renditionHits(req: express.Request, res: express.Response, next: express.NextFunction) {
	if (req.method !== 'GET' && req.method !== 'HEAD') return next()
	answerRenditionHit(req.path.slice(1), {
		method: req.method,
		accept: req.get('Accept') ?? null,
		ifNoneMatch: req.get('If-None-Match') ?? null,
	}).then((answer) => {
		if (!answer) return next()
		res.status(answer.status).set(answer.headers).end(answer.body)
	}, next)
}

/** res.locals.route: the Remix route the path goes to, for the metrics label and the body limit. */
function matchedRoute(build: ServerBuild | (() => Promise<ServerBuild>)): express.RequestHandler {
	if (typeof build !== 'function') {
		return (req, res, next) => {
			res.locals.route = matchRoute(build.routes, req.path)
			next()
		}
	}
	// In dev the build changes as files are edited.
	return (req, res, next) => {
		build().then((current) => {
			res.locals.route = matchRoute(current.routes, req.path)
			next()
		}, next)
	}
}

/**
 * The request histogram's `route` label: the matched route's pattern, a fixed
 * label for static files and one for every path no route matches, so the
 * number of series stays bounded whatever paths clients send.
 */
function routeLabel(res: express.Response): string {
	const route = res.locals.route as MatchedRoute | undefined
	// `/*` is the app's catch-all 404 page (_app.$.tsx): no real route matched.
	const pattern = route?.pattern === '/*' ? undefined : route?.pattern
	return (res.locals.staticLabel as string | undefined) ?? pattern ?? 'unmatched'
}

function labelStatic(res: http.ServerResponse, label: string) {
	;(res as express.Response).locals.staticLabel = label
}

/** req.ip honours TRUST_PROXY; whatever a proxy wrote must still be an address to count as one. */
function clientAddress(req: express.Request): string {
	return [req.ip, req.socket.remoteAddress].find((ip) => ip && isIP(ip)) ?? ''
}

// At most this much of an unread body is discarded after answering, for at most this long.
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024
const DISCARD_LIMIT_MS = 15_000

/**
 * Some requests are answered before their body is read: a declared
 * Content-Length over the limit (413), a missing token (401), a rate limit
 * (429), a refused part. The client is still sending. Closing the connection
 * then makes the kernel reset it, and a reset can discard our answer before the
 * client reads it; leaving the body unread stalls the connection. So once the
 * answer is out, discard the rest of the body (bounded, then close), and the
 * connection stays usable for the next request.
 */
function discardUnreadBody(req: express.Request, res: express.Response, next: () => void) {
	res.once('finish', () => {
		if (req.complete || req.destroyed) return
		// Remix's request stream would buffer what comes next for nobody: detach it.
		req.removeAllListeners('data')
		let discarded = 0
		const stop = () => req.destroy()
		const deadline = setTimeout(stop, DISCARD_LIMIT_MS)
		req.on('data', (chunk: Buffer) => {
			discarded += chunk.length
			if (discarded > DISCARD_LIMIT_BYTES) stop()
		})
		req.once('close', () => clearTimeout(deadline))
		req.resume()
	})
	next()
}

const isEventStream = (res: http.ServerResponse) =>
	/^text\/event-stream\b/i.test(String(res.getHeader('Content-Type') ?? ''))

const openResponses = new WeakMap<http.Server, Set<http.ServerResponse>>()

function trackOpenResponses(server: http.Server) {
	const open = new Set<http.ServerResponse>()
	openResponses.set(server, open)
	server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
		open.add(res)
		res.once('close', () => open.delete(res))
	})
}

/**
 * Stops accepting connections, lets in-flight requests finish, and after
 * `graceMs` closes whatever is still open. Resolves with whether it had to.
 */
export async function drainWeb(server: http.Server, graceMs: number): Promise<{ forced: boolean }> {
	const closed = new Promise<void>((resolve) => server.close(() => resolve()))
	// Keep-alive sockets would hold close() open: answer with Connection: close
	// from now on and drop each connection as soon as it has nothing in flight.
	server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
		res.setHeader('Connection', 'close')
	})
	// Event streams (GET /api/events) never finish by themselves: cut them too.
	// Browsers reconnect (to another process, or this one once restarted) and
	// the page reloads its data when the stream opens again.
	const sweep = () => {
		server.closeIdleConnections()
		for (const res of openResponses.get(server) ?? []) {
			if (isEventStream(res)) res.destroy()
		}
	}
	sweep()
	const sweeper = setInterval(sweep, 100)
	let forced = false
	const deadline = setTimeout(() => {
		forced = true
		server.closeAllConnections()
	}, graceMs)
	await closed
	clearInterval(sweeper)
	clearTimeout(deadline)
	await stopRenditionHits()
	return { forced }
}
