import type { LoaderFunctionArgs } from '@remix-run/node'
import { timingSafeEqual } from 'node:crypto'
import { config } from '~/config.server'
import { UnauthorizedError } from '~/errors'
import { apiHandler } from '~/http/problem.server'
import { registry } from '~/metrics.server'

const allowed = (request: Request) => {
	if (!config.metricsToken) return true
	const given = Buffer.from(request.headers.get('Authorization') ?? '')
	const expected = Buffer.from(`Bearer ${config.metricsToken}`)
	return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Prometheus text format; behind METRICS_TOKEN when it is set. */
export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
	if (!allowed(request)) throw new UnauthorizedError('Send Authorization: Bearer <METRICS_TOKEN>.')
	return new Response(await registry.metrics(), {
		headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' },
	})
})
