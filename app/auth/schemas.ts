import { z } from 'zod'
import { tokenScopes, userRoles } from '#db/statuses'

// What the API takes and answers about accounts, described once: the OpenAPI
// document is generated from these, and the presenters return their types.

export const MAX_EMAIL_LENGTH = 254
export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256
export const MAX_TOKEN_NAME_LENGTH = 100
/** The longest life a personal token can be given; it may also never expire. */
export const MAX_EXPIRY_DAYS = 3650
/** Active (unrevoked, unexpired) personal tokens one user may hold. */
export const MAX_ACTIVE_TOKENS = 50
export const MAX_USER_AGENT_LENGTH = 512

/** Who may create an account (REGISTRATION, or the admin setting): decision 019. */
export const registrationModes = ['open', 'invite', 'closed'] as const
export type RegistrationMode = (typeof registrationModes)[number]

export const timestamp = z.iso.datetime().meta({ description: 'ISO 8601, UTC.' })

/** A time that may not have come (or not be known): ISO 8601, UTC, or null. */
const timeOrNull = (description: string) => z.iso.datetime().nullable().meta({ description })

/** An example token or secret: `drk_` and 43 base64url characters. */
const TOKEN_EXAMPLE = 'drk_kq3V0mC2n7xJb1yZ4p9sT6wRfH8dLuE5aGiO0cNvYtM'

export const userSchema = z
	.object({
		id: z.uuid(),
		email: z.email().meta({ description: 'Stored lower-cased.' }),
		createdAt: timestamp,
	})
	.meta({ id: 'User' })

export const loginSchema = z
	.object({
		email: z
			.string({ error: 'Email is required' })
			.max(MAX_EMAIL_LENGTH)
			.meta({ description: 'Compared case-insensitively.' }),
		password: z.string({ error: 'Password is required' }).max(MAX_PASSWORD_LENGTH),
	})
	.meta({ id: 'LoginRequest' })

export const authResponseSchema = z
	.object({
		user: userSchema,
		token: z.string().meta({
			description:
				'Bearer token for `Authorization: Bearer <token>`. Shown once; only its hash is stored.',
			examples: [TOKEN_EXAMPLE],
		}),
		expiresAt: timestamp.meta({ description: 'When the token stops working (ISO 8601, UTC).' }),
	})
	.meta({ id: 'AuthResponse' })

export const tokenScopesSchema = z
	.array(z.enum(tokenScopes, { error: `Each scope must be one of ${tokenScopes.join(', ')}` }), {
		error: 'Scopes must be a list',
	})
	.min(1, 'Choose at least one scope')
	.meta({
		id: 'TokenScopes',
		uniqueItems: true,
		description:
			'`read`: list, read and download images, usage, events. `write`: upload, process and delete images. `webhooks`: manage webhooks. `tokens`: manage personal tokens and sessions.',
		examples: [['read', 'write']],
	})

export const apiTokenSchema = z
	.object({
		id: z.uuid(),
		name: z.string().min(1).max(MAX_TOKEN_NAME_LENGTH),
		createdAt: timestamp,
		expiresAt: timeOrNull('When it stops working (ISO 8601, UTC); null: never.'),
		lastUsedAt: timeOrNull(
			'When it last authenticated a request, to the minute (updated at most once a minute); null: never used.',
		),
		scopes: tokenScopesSchema.meta({
			description: 'What it may do, in the order `read`, `write`, `webhooks`, `tokens`.',
		}),
	})
	.meta({ id: 'ApiToken', description: 'A personal API token, without its secret.' })

export const apiTokenListSchema = z
	.object({ items: z.array(apiTokenSchema) })
	.meta({ id: 'ApiTokenList' })

export const createdApiTokenSchema = z
	.object({
		token: apiTokenSchema,
		secret: z.string().meta({
			description:
				'The token itself, for `Authorization: Bearer <secret>` or `X-API-Key: <secret>`. Shown only in this answer; only its hash is stored.',
			examples: [TOKEN_EXAMPLE],
		}),
	})
	.meta({ id: 'CreatedApiToken' })

export const sessionSchema = z
	.object({
		id: z.uuid(),
		kind: z.enum(['browser', 'api']).meta({
			description:
				'`browser`: signed in on the sign-in or registration page (the session cookie); `api`: a token from `POST /api/auth/login` or `POST /api/auth/register`.',
		}),
		createdAt: timestamp.meta({ description: 'When it signed in.' }),
		lastUsedAt: timeOrNull('When it last authenticated a request (updated at most once a minute).'),
		expiresAt: timeOrNull('When it stops working unless used to sign out earlier.'),
		userAgent: z
			.string()
			.max(MAX_USER_AGENT_LENGTH)
			.nullable()
			.meta({
				description: `The client's \`User-Agent\` (its first ${MAX_USER_AGENT_LENGTH} characters) as of \`lastUsedAt\`.`,
			}),
		ip: z
			.string()
			.nullable()
			.meta({
				description:
					"The client's address as of `lastUsedAt` (behind a proxy, as `TRUST_PROXY` allows); null when unknown.",
				examples: ['203.0.113.7'],
			}),
		current: z
			.boolean()
			.meta({ description: 'Whether this is the session or token that made this request.' }),
	})
	.meta({
		id: 'Session',
		description: 'A browser session or API sign-in token, without its secret.',
	})

export const sessionListSchema = z
	.object({ items: z.array(sessionSchema) })
	.meta({ id: 'SessionList' })

// Invite links (app/auth/invites.server.ts).

export const MAX_INVITE_USES = 100
export const MAX_INVITE_DAYS = 30
export const MAX_INVITE_NOTE_LENGTH = 200

export const inviteInputSchema = z
	.object({
		role: z
			.enum(userRoles, { error: 'Choose the role: member or admin' })
			.default('member')
			.meta({ description: 'The role each account registered through it gets.' }),
		maxUses: z
			.number({ error: 'Uses must be a whole number' })
			.int('Uses must be a whole number')
			.min(1, 'Uses must be at least 1')
			.max(MAX_INVITE_USES, `Uses must be at most ${MAX_INVITE_USES}`)
			.default(1)
			.meta({
				description: `How many accounts it may create, 1 (single use, the default) to ${MAX_INVITE_USES}.`,
			}),
		expiresInDays: z
			.number({ error: 'Expiry must be a whole number of days' })
			.int('Expiry must be a whole number of days')
			.min(1, 'Expiry must be at least 1 day')
			.max(MAX_INVITE_DAYS, `Expiry must be at most ${MAX_INVITE_DAYS} days`)
			.default(7)
			.meta({ description: `Days until it expires, 1 to ${MAX_INVITE_DAYS}; 7 when omitted.` }),
		note: z
			.string({ error: 'The note must be text' })
			.trim()
			.max(MAX_INVITE_NOTE_LENGTH, `The note must be at most ${MAX_INVITE_NOTE_LENGTH} characters`)
			.optional()
			.transform((note) => note || null)
			.meta({ description: 'Who it is for, to recognise it in the list.' }),
	})
	.meta({ id: 'CreateInviteRequest' })

export type InviteInput = z.output<typeof inviteInputSchema>

export const inviteStates = ['active', 'used', 'expired', 'revoked'] as const
export type InviteState = (typeof inviteStates)[number]

export const inviteSchema = z
	.object({
		id: z.uuid(),
		role: z.enum(userRoles),
		maxUses: z.int().min(1),
		uses: z.int().min(0),
		note: z.string().nullable(),
		state: z.enum(inviteStates).meta({
			description:
				'`active` while it can still register someone; `used` once every use is taken; `expired`; `revoked`.',
		}),
		createdBy: z.string().nullable().meta({ description: "The creating admin's email." }),
		createdAt: z.iso.datetime(),
		expiresAt: z.iso.datetime(),
		revokedAt: z.iso.datetime().nullable(),
	})
	.meta({ id: 'Invite' })

export const inviteListSchema = z
	.object({ items: z.array(inviteSchema) })
	.meta({ id: 'InviteList' })

export const createdInviteSchema = z
	.object({
		invite: inviteSchema,
		link: z.url().meta({ description: 'The registration link, shown this once.' }),
	})
	.meta({ id: 'CreatedInvite' })

export type Invite = z.input<typeof inviteSchema>
