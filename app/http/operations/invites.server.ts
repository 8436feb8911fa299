import { z } from 'zod'
import {
	createInvite as create,
	listInvites as list,
	revokeInvite as revoke,
} from '#app/auth/invites.server'
import {
	createdInviteSchema,
	inviteInputSchema,
	inviteListSchema,
	MAX_INVITE_DAYS,
	MAX_INVITE_NOTE_LENGTH,
	MAX_INVITE_USES,
} from '#app/auth/schemas'
import { baseUrlOf } from '#app/images/present.server'
import { jsonContent, problem, problemContent, problemType } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

// Invite links, made, listed and revoked by admins (docs/decisions/019-registration-modes.md).

export const listInvites = defineOperation({
	method: 'GET',
	path: '/api/admin/invites',
	operationId: 'listInvites',
	tag: 'Admin',
	summary: 'List invite links (admins)',
	description:
		'Every invite, newest first, with its role, uses and state: never its link, which is shown only when it is made.',
	access: 'admin',
	rateLimit: 'read',
	responses: { '200': { description: 'The invites.', content: jsonContent(inviteListSchema) } },
	handler: async () => json({ items: await list() }),
})

export const createInvite = defineOperation({
	method: 'POST',
	path: '/api/admin/invites',
	operationId: 'createInvite',
	tag: 'Admin',
	summary: 'Create an invite link (admins)',
	description: `Makes a link \`/register?invite=…\` that lets up to \`maxUses\` people register, whatever the
registration mode, each getting \`role\`. The answer is the only time the link is shown: only a hash of its
secret is stored. Pass the secret as \`invite\` to \`POST /api/auth/register\`, or open the link in a browser.`,
	access: 'admin',
	rateLimit: 'read',
	body: inviteInputSchema,
	bodyOptional: true,
	responses: {
		'201': {
			description: 'Created: the invite and its link, shown this once.',
			content: jsonContent(createdInviteSchema),
		},
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'422': problem(
			'ValidationFailed',
			`\`role\` not \`member\` or \`admin\`; \`maxUses\` not an integer from 1 to ${MAX_INVITE_USES}; \`expiresInDays\` not an integer from 1 to ${MAX_INVITE_DAYS}; \`note\` over ${MAX_INVITE_NOTE_LENGTH} characters.`,
		),
	},
	handler: async ({ args, auth, body }) =>
		json(await create(args, auth.user, body, baseUrlOf(args.request)), { status: 201 }),
})

export const revokeInvite = defineOperation({
	method: 'DELETE',
	path: '/api/admin/invites/{id}',
	operationId: 'revokeInvite',
	tag: 'Admin',
	summary: 'Revoke an invite link (admins)',
	description:
		'The link stops working at once; accounts already registered through it stay. It stays listed as `revoked`.',
	access: 'admin',
	params: z.object({
		id: z.uuid().meta({
			param: {
				id: 'InviteId',
				description: "The invite's id. A value that is not a UUID or an unknown id answers `404`.",
			},
		}),
	}),
	responses: {
		'204': { description: 'Revoked.' },
		'404': {
			description: 'No such invite, or it was already revoked (`not-found`).',
			content: problemContent({
				type: problemType('not-found'),
				title: 'Not found',
				status: 404,
				detail: 'No invite with this id, or it was already revoked.',
			}),
		},
	},
	handler: async ({ args, auth, params }) => {
		await revoke(args, auth.user, params.id!)
		return new Response(null, { status: 204 })
	},
})
