import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireApiUser } from '#app/auth/auth.server'
import { MethodNotAllowedError } from '#app/errors'
import { parseSearchParams } from '#app/http/input.server'
import { apiHandler, json } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, currentSigningWindow } from '#app/images/present.server'
import { emptyTrash, listTrash, presentTrashItem, trashQuerySchema } from '#app/images/trash.server'

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request } = args
	const { user } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	const query = parseSearchParams(request, trashQuerySchema)
	const { rows, ...page } = await listTrash(user.id, query)
	const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
	const items = await Promise.all(rows.map((row) => presentTrashItem(row, signing)))
	return json({ items, ...page })
})

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'DELETE') throw new MethodNotAllowedError(['GET', 'DELETE'])
	const { user } = await requireApiUser(args, { scope: 'write' })
	await limitRequest(args, 'process', user.id)
	return json({ purged: await emptyTrash(user.id) })
})
