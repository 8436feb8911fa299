import { z } from 'zod'
import {
	adminUserListSchema,
	adminUserPatchSchema,
	adminUserSchema,
	MAX_QUOTA_BYTES,
	passwordResetLinkSchema,
} from '#app/admin/user-schemas'
import * as users from '#app/admin/users.server'
import { jsonContent, problem } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

// The instance's accounts, for admins (decision 020): counts, bytes and cost,
// never an image.

const forAdmins = 'Only admins may call it, with a session or a token that has the `write` scope.'

const userIdParams = z.object({
	id: z.uuid().meta({
		param: {
			id: 'AdminUserId',
			description: "The account's id. A value that is not a UUID and an unknown id answer `404`.",
		},
	}),
})

const actorOf = (auth: { user: { id: string; email: string } }) => ({
	id: auth.user.id,
	email: auth.user.email,
})

export const listAdminUsers = defineOperation({
	method: 'GET',
	path: '/api/admin/users',
	operationId: 'listAdminUsers',
	tag: 'Operations',
	summary: 'List the accounts (admins)',
	description: `Every account, by email, with its role, state, quota, images (not counting the trash),
bytes stored, AI cost this UTC month and last activity. ${forAdmins}`,
	access: 'admin',
	responses: {
		'200': { description: 'The accounts.', content: jsonContent(adminUserListSchema) },
	},
	handler: async () => json({ items: await users.listUsers() }),
})

export const getAdminUser = defineOperation({
	method: 'GET',
	path: '/api/admin/users/{id}',
	operationId: 'getAdminUser',
	tag: 'Operations',
	summary: 'One account (admins)',
	description: `The account with its totals, as in the list. ${forAdmins}`,
	access: 'admin',
	params: userIdParams,
	responses: {
		'200': { description: 'The account.', content: jsonContent(adminUserSchema) },
		'404': problem('NotFound', 'No account with this id.'),
	},
	handler: async ({ params }) => json(await users.getUser(params.id!)),
})

export const updateAdminUser = defineOperation({
	method: 'PATCH',
	path: '/api/admin/users/{id}',
	operationId: 'updateAdminUser',
	tag: 'Operations',
	summary: "Change an account's role, access or quota (admins)",
	description: `Applies every field sent, all or none. \`disabled: true\` revokes every session and
token of the account at once and refuses its sign-ins; its images stay. \`disabled: false\` lets it
sign in again (old sessions stay revoked). \`quotaBytes\` replaces \`QUOTA_MAX_BYTES_PER_USER\` for
the account; \`null\` clears it. The last enabled admin cannot be demoted or disabled, and nobody
can disable themselves (\`409\`). ${forAdmins}`,
	access: 'admin',
	params: userIdParams,
	body: adminUserPatchSchema,
	responses: {
		'200': { description: 'Changed: the account now.', content: jsonContent(adminUserSchema) },
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'404': problem('NotFound', 'No account with this id.'),
		'409': problem(
			'Conflict',
			"Demoting or disabling the last enabled admin, or disabling the caller's own account.",
		),
		'422': problem(
			'ValidationFailed',
			`\`role\` not one of the roles, \`disabled\` not a boolean, \`quotaBytes\` not null or an integer from 1 to ${MAX_QUOTA_BYTES}.`,
		),
	},
	handler: async ({ args, auth, params, body }) =>
		json(await users.updateUser(args, actorOf(auth), params.id!, body)),
})

export const deleteAdminUser = defineOperation({
	method: 'DELETE',
	path: '/api/admin/users/{id}',
	operationId: 'deleteAdminUser',
	tag: 'Operations',
	summary: 'Delete an account with all its images (admins)',
	description: `Deletes the account, every image of it (the trash too) with their files, and its
sessions, tokens and webhooks. Files that storage cannot remove now are queued and removed later.
Not the caller's own account, not the last enabled admin (\`409\`). ${forAdmins}`,
	access: 'admin',
	params: userIdParams,
	responses: {
		'204': { description: 'Deleted.' },
		'404': problem('NotFound', 'No account with this id.'),
		'409': problem('Conflict', "The last enabled admin, or the caller's own account."),
	},
	handler: async ({ args, auth, params }) => {
		await users.deleteUser(args, actorOf(auth), params.id!)
		return new Response(null, { status: 204 })
	},
})

export const createPasswordResetLink = defineOperation({
	method: 'POST',
	path: '/api/admin/users/{id}/password-reset',
	operationId: 'createPasswordResetLink',
	tag: 'Operations',
	summary: 'Make a password-reset link for an account (admins)',
	description: `A link (\`/reset-password/<secret>\`) that lets the account's owner choose a new
password, once, within 24 hours; using it signs out every session and token of the account. The
answer is the only time it is shown: only its SHA-256 is stored. A new link voids the account's
earlier unused ones. ${forAdmins}`,
	access: 'admin',
	params: userIdParams,
	responses: {
		'201': {
			description: 'Made: the link, shown this once.',
			content: jsonContent(passwordResetLinkSchema),
		},
		'404': problem('NotFound', 'No account with this id.'),
	},
	handler: async ({ args, auth, params }) =>
		json(await users.createPasswordResetLink(args, actorOf(auth), params.id!), { status: 201 }),
})
