import { createHash, timingSafeEqual } from 'node:crypto'
import { config } from '#app/config.server'
import { log } from '#app/log.server'

// Who may read /metrics, for the web's route and the worker's own port alike.

/**
 * Whether an Authorization header carries METRICS_TOKEN (always true when no
 * token is set). Compared as digests, in constant time: neither the time
 * taken nor a length check tells a guesser how close it came.
 */
export function metricsRequestAllowed(authorization: string | null | undefined): boolean {
	if (!config.metricsToken) return true
	const digest = (text: string) => createHash('sha256').update(text).digest()
	return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${config.metricsToken}`))
}

/**
 * At start in production: a warning for metrics anyone can read (routes,
 * timings, job counts). The web's /metrics is as public as the site; the
 * worker's port only when it listens beyond loopback.
 */
export function warnIfMetricsPublic(server: 'web' | 'worker') {
	if (!config.isProduction || config.metricsToken) return
	if (server === 'worker' && isLoopback(config.workerMetricsHost)) return
	log.warn(
		server === 'web'
			? { server, path: '/metrics' }
			: { server, host: config.workerMetricsHost, port: config.workerMetricsPort },
		'Metrics are served to anyone: set METRICS_TOKEN',
	)
}

function isLoopback(host: string) {
	return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
