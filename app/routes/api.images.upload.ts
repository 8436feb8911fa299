import type { ActionFunctionArgs } from '@remix-run/node'
import { MethodNotAllowedError } from '~/errors'
import { methodNotAllowed } from '~/http/methods.server'
import { apiHandler } from '~/http/problem.server'
import { uploadResponse } from '~/http/upload-response.server'

// The contract's alias for POST /api/images.
export const loader = methodNotAllowed(['POST'])

export const action = apiHandler(async (args: ActionFunctionArgs) => {
	if (args.request.method !== 'POST') throw new MethodNotAllowedError(['POST'])
	return uploadResponse(args)
})
