import { z } from 'zod'
import { userSchema } from '#app/auth/schemas'
import { presentUser } from '#app/auth/users.server'
import { jsonContent } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

export const getMe = defineOperation({
	method: 'GET',
	path: '/api/me',
	operationId: 'getMe',
	tag: 'Auth',
	summary: 'The current user',
	access: 'any',
	responses: {
		'200': {
			description: 'The authenticated user.',
			content: jsonContent(z.object({ user: userSchema }).meta({ id: 'MeResponse' })),
		},
	},
	handler: async ({ auth }) => json({ user: presentUser(auth.user) }),
})
