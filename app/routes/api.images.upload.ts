import type { ActionFunctionArgs } from '@remix-run/node'
import { MethodNotAllowedError } from '#app/errors'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'
import { uploadResponse } from '#app/http/upload-response.server'

// The contract's alias for POST /api/images.
export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'POST') throw new MethodNotAllowedError(['POST'])
	return uploadResponse(args)
})
