import type { ActionFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { parseJsonBody } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitBatch } from '#app/rate-limit.server'
import { baseUrlOf, presentImage } from '#app/images/present.server'
import { batchProcessBodySchema, reprocessImages } from '#app/images/process.server'

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
