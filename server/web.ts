import { randomUUID } from 'node:crypto'
import type http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express from 'express'
import { config } from '~/config.server'
import { log } from '~/log.server'
import { httpRequestDuration, routeLabel } from '~/metrics.server'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

declare module '@remix-run/node' {
	interface AppLoadContext {
		requestId: string
	}
}

/** The HTTP server: static assets, then every request through Remix. */
export async function startWeb({ dev = false } = {}): Promise<http.Server> {
	const app = express()
	app.disable('x-powered-by')
	app.set('trust proxy', 1)
	app.use(compression())
	app.use((req, res, next) => {
		const incoming = req.get('X-Request-Id')
		const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID()
		res.locals.requestId = requestId
		res.set('X-Request-Id', requestId)
		res.set('X-Content-Type-Options', 'nosniff')
		res.set('Referrer-Policy', 'same-origin')
		res.set('X-Frame-Options', 'DENY')
		const started = performance.now()
		res.on('finish', () => {
			const seconds = (performance.now() - started) / 1000
			httpRequestDuration.observe(
				{ route: routeLabel(req.path), method: req.method, status: res.statusCode },
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

	let build: ServerBuild | (() => Promise<ServerBuild>)
	if (dev) {
		const vite = await import('vite').then((m) =>
			m.createServer({ server: { middlewareMode: true }, root }),
		)
		app.use(vite.middlewares)
		build = () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>
	} else {
		const client = path.join(root, 'build/client')
		app.use(
			'/assets',
			express.static(path.join(client, 'assets'), { immutable: true, maxAge: '1y' }),
		)
		app.use(express.static(client, { maxAge: '1h' }))
		build = (await import(path.join(root, 'build/server/index.js'))) as ServerBuild
	}
	app.all(
		'*',
		createRequestHandler({
			build,
			mode: dev ? 'development' : 'production',
			getLoadContext: (_req, res) => ({ requestId: res.locals.requestId as string }),
		}),
	)

	return new Promise((resolve, reject) => {
		const server = app.listen(config.port, config.host, () => {
			log.info(
				{ port: config.port, host: config.host },
				`Darkroom listening on http://localhost:${config.port}`,
			)
			resolve(server)
		})
		server.on('error', reject)
	})
}
