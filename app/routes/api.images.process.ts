import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '~/auth/auth.server'
import { parseJsonBody } from '~/http/input.server'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler, json } from '~/http/problem.server'
import { limitBatch } from '~/http/rate-limit.server'
import { baseUrlOf, presentImage } from '~/images/present.server'
import { batchProcessBodySchema, reprocessImages } from '~/images/process.server'

export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	const { request, context } = args
	const { user } = await requireApiUser(args, { scope: 'write' })
	const { ids, stages } = await parseJsonBody(request, batchProcessBodySchema)
	// Each image counts, as if it were sent alone to /api/images/{id}/process.
	await limitBatch(args, 'process', user.id, new Set(ids).size)
	const rows = await reprocessImages(user.id, ids, stages, context.requestId)
	const baseUrl = baseUrlOf(request)
	const items = await Promise.all(rows.map((row) => presentImage(row, { baseUrl })))
	return json({ items }, { status: 202 })
})
