import type { LoaderFunctionArgs } from '@remix-run/node'
import { UnauthorizedError } from '#app/errors'
import { apiHandler } from '#app/http/problem.server'
import { metricsRequestAllowed } from '#app/metrics-access.server'
import { registry } from '#app/metrics.server'

/** Prometheus text format; behind METRICS_TOKEN when it is set. */
export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
	if (!metricsRequestAllowed(request.headers.get('Authorization')))
		throw new UnauthorizedError('Send Authorization: Bearer <METRICS_TOKEN>.')
	return new Response(await registry.metrics(), {
		headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' },
	})
})
