import type { ActionFunctionArgs } from '@remix-run/node'
import { requireAdmin } from '~/admin/auth.server'
import { retentionDays, sweepBodySchema, sweepRetention } from '~/admin/retention.server'
import { config } from '~/config.server'
import { MethodNotAllowedError } from '~/errors'
import { parseJsonBody } from '~/http/input.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler, json } from '~/http/problem.server'
import { log } from '~/log.server'

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
