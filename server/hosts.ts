import os from 'node:os'
import type { Request, RequestHandler } from 'express'
import { config } from '#app/config.server'
import { BadRequestError } from '#app/errors'
import { log } from '#app/log.server'
import { isApi, sendPage, sendProblem } from './responses'

// The host a request was addressed to shapes absolute URLs (signed file links,
// the Origin the CSRF check expects). In production it must be one of ours:
// PUBLIC_URL's, ALLOWED_HOSTS, or, with neither set, this machine's own names.

/**
 * The host the request was addressed to, with its port: X-Forwarded-Host when
 * TRUST_PROXY trusts the peer (as express's req.hostname decides), else Host.
 */
export function requestHost(req: Request): string {
	const trust = req.app.get('trust proxy fn') as (
		address: string | undefined,
		hop: number,
	) => boolean
	const forwarded = req.get('X-Forwarded-Host')
	const host =
		forwarded && trust(req.socket.remoteAddress, 0)
			? forwarded.split(',')[0]!.trim()
			: req.get('Host')
	return (host ?? '').toLowerCase()
}

/** `https://example.com`: the protocol and host this request was addressed to. */
export const requestOrigin = (req: Request) => `${req.protocol}://${requestHost(req)}`

type HostRule = { hostname: string; port?: string }

/** Health checks and scrapers address the process by its pod or machine IP; these build no URLs. */
const ANY_HOST_PATHS = new Set(['/api/health', '/api/health/live', '/metrics'])

/** In production, refuses (400) requests addressed to a host that is not ours. */
export function hostCheck(): RequestHandler {
	if (!config.isProduction) return (_req, _res, next) => next()
	const rules = allowedHostRules()
	return (req, res, next) => {
		if (ANY_HOST_PATHS.has(req.path) || isAllowed(requestHost(req), rules)) return next()
		const detail =
			'This server does not answer to the host name this request was addressed to. ' +
			'Set PUBLIC_URL (or ALLOWED_HOSTS, comma-separated) to the names it is reached by.'
		if (isApi(req)) void sendProblem(res, new BadRequestError(detail)).catch(next)
		else sendPage(res, 400, 'Unknown host', detail)
	}
}

function allowedHostRules(): HostRule[] {
	const configured = [
		...(config.publicUrl ? [{ hostname: new URL(config.publicUrl).hostname }] : []),
		...config.allowedHosts.map(parseHost),
	]
	if (configured.length > 0) return configured
	const own = ownNames()
	log.warn(
		{ hosts: own },
		'PUBLIC_URL is not set: answering only to this machine’s own names and addresses. Set PUBLIC_URL (or ALLOWED_HOSTS) for a public deployment.',
	)
	return own.map((hostname) => ({ hostname }))
}

/** localhost, the host name and every interface address: `npm start` works on the box and the LAN. */
function ownNames(): string[] {
	const addresses = Object.values(os.networkInterfaces())
		.flat()
		.flatMap((info) => (info ? [info.family === 'IPv6' ? `[${info.address}]` : info.address] : []))
	return [
		...new Set(['localhost', '127.0.0.1', '[::1]', os.hostname().toLowerCase(), ...addresses]),
	]
}

/** `example.com:8080` → { hostname, port }; IPv6 addresses keep their brackets. */
function parseHost(host: string): HostRule {
	const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host)
	return match ? { hostname: match[1]!.replace(/\.$/, ''), port: match[2] } : { hostname: host }
}

function isAllowed(host: string, rules: HostRule[]) {
	if (!host) return false
	const { hostname, port } = parseHost(host)
	return rules.some((rule) => rule.hostname === hostname && (!rule.port || rule.port === port))
}
