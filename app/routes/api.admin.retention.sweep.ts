import type { ActionFunctionArgs } from '@remix-run/node'
import { requireAdmin } from '#app/admin/auth.server'
import { retentionDays, sweepBodySchema, sweepRetention } from '#app/admin/retention.server'
import { config } from '#app/config.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseJsonBody } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { log } from '#app/log.server'

export const loader = methodNotAllowed(['POST'])

/** Runs the retention sweep now: body `{ olderThanDays? }`, else RETENTION_DAYS. */
export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request } = args
	if (request.method !== 'POST') throw new MethodNotAllowedError(['POST'])
	const { user } = await requireAdmin(args)
	const body = await parseJsonBody(request, sweepBodySchema, { optional: true })
	const olderThanDays = retentionDays(body.olderThanDays)
	const { removed } = await sweepRetention({ olderThanDays, batchSize: config.cleanupBatchSize })
	log.info({ admin: user.id, olderThanDays, removed }, 'Retention sweep run by an admin')
	return json({ removed })
})
