import type { LoaderFunctionArgs } from '@remix-run/node'
import { UnauthorizedError } from '~/errors'
import { apiHandler } from '~/http/problem.server'
import { metricsRequestAllowed } from '~/metrics-access.server'
import { registry } from '~/metrics.server'

/** Prometheus text format; behind METRICS_TOKEN when it is set. */
export const loader = apiHandler(async ({ request }: LoaderFunctionArgs) => {
	if (!metricsRequestAllowed(request.headers.get('Authorization')))
		throw new UnauthorizedError('Send Authorization: Bearer <METRICS_TOKEN>.')
	return new Response(await registry.metrics(), {
		headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' },
	})
})
