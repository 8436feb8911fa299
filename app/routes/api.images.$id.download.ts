import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { requireApiUser } from '#app/auth/auth.server'
import { NotFoundError } from '#app/errors'
import { parseSearchParams } from '#app/http/input.server'
import { methodNotAllowed } from '#app/http/methods.server'
import { apiHandler } from '#app/http/problem.server'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, signVariant } from '#app/images/present.server'
import { getOwnedImage } from '#app/images/queries.server'

const querySchema = z.object({
	variant: z.enum(['original', 'thumbnail', 'optimized']).default('original'),
})

export const loader = apiHandler(async (args: LoaderFunctionArgs) => {
	const { request, params } = args
	const { user } = await requireApiUser(args, { scope: 'read' })
	await limitRequest(args, 'read', user.id)
	const { variant } = parseSearchParams(request, querySchema)
	const image = await getOwnedImage(user.id, params.id!)
	const url = await signVariant(image, variant, {
		baseUrl: baseUrlOf(request),
		disposition: 'attachment',
	})
	if (!url) throw new NotFoundError(`The ${variant} of this image does not exist yet.`)
	return new Response(null, {
		status: 302,
		headers: { Location: url, 'Cache-Control': 'no-store' },
	})
})

export const action = methodNotAllowed(['GET'])
