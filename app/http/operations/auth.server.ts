import { z } from 'zod'
import { recordAudit } from '#app/admin/audit.server'
import {
	authResponseSchema,
	loginSchema,
	MAX_PASSWORD_LENGTH,
	MIN_PASSWORD_LENGTH,
	userSchema,
} from '#app/auth/schemas'
import { clientOf, createSession, revokeSession } from '#app/auth/sessions.server'
import { signInWithPassword, throttleRegistration } from '#app/auth/throttle.server'
import { assertPasswordLogin } from '#app/auth/password.server'
import {
	type PublicUser,
	presentUser,
	registerUser,
	registrationSchema,
} from '#app/auth/users.server'
import { UnauthorizedError } from '#app/errors'
import { jsonContent, problem, problemContent, problemType } from '#app/http/openapi-components'
import { defineOperation } from '#app/http/operation.server'
import { json } from '#app/http/problem.server'

/** A new sign-in token for the user, answered once. */
const presentSignedIn = (
	user: PublicUser,
	session: { token: string; expiresAt: Date },
): z.input<typeof authResponseSchema> => ({
	user: presentUser(user),
	token: session.token,
	expiresAt: session.expiresAt.toISOString(),
})

export const register = defineOperation({
	method: 'POST',
	path: '/api/auth/register',
	operationId: 'register',
	tag: 'Auth',
	summary: 'Create an account and get a token',
	description:
		"Creates a user and answers with a bearer token for it. Emails are trimmed, lower-cased and compare case-insensitively. With a valid `invite`, anyone may register whatever the registration mode, and the account gets the invite's role.",
	access: 'public',
	// Parsed before the sign-up limit is counted: invalid input costs nothing.
	body: registrationSchema,
	responses: {
		'201': { description: 'Created.', content: jsonContent(authResponseSchema) },
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'403': {
			description:
				'Registration is closed on this instance, or by invitation only (`forbidden`): `REGISTRATION`, or the admin setting when it is unset. The first account of a fresh instance may always register. Also when password sign-in is turned off (`PASSWORD_LOGIN=false`: single sign-on only). Answered before the sign-up limit is counted. With an `invite`: the invite is unknown, used up, expired or revoked, and the detail says which.',
			content: problemContent({
				type: problemType('forbidden'),
				title: 'Forbidden',
				status: 403,
				detail: 'Registration is closed on this instance.',
			}),
		},
		'409': problem('Conflict', 'An account with this email already exists.'),
		'422': problem(
			'ValidationFailed',
			`Invalid email, or a password shorter than ${MIN_PASSWORD_LENGTH} or longer than ${MAX_PASSWORD_LENGTH} characters, on the shipped list of common or breached passwords, or equal to the email.`,
		),
	},
	tooManyRequests:
		'Too many registrations from this address, successful or not (`RATE_LIMIT_SIGNUP`), or the per-address ceiling.',
	handler: async ({ args, body }) => {
		const invited = { invited: body.invite !== undefined }
		const user = await throttleRegistration(args, invited, () => registerUser(args, body))
		const session = await createSession(user.id, 'token', clientOf(args))
		return json(presentSignedIn(user, session), { status: 201 })
	},
})

export const login = defineOperation({
	method: 'POST',
	path: '/api/auth/login',
	operationId: 'login',
	tag: 'Auth',
	summary: 'Log in and get a token',
	description:
		'Each login creates a new token; earlier ones keep working until they expire or are revoked.',
	access: 'public',
	body: loginSchema,
	responses: {
		'200': { description: 'Logged in.', content: jsonContent(authResponseSchema) },
		'400': problem('BadRequest', 'The body is not valid JSON.'),
		'401': problem(
			'Unauthorized',
			'Incorrect email or password: one answer for an unknown email and a wrong password. With the right password for a disabled account: `This account is disabled.`',
		),
		'403': {
			description:
				'Password sign-in is turned off on this instance (`PASSWORD_LOGIN=false`): people sign in through single sign-on in the browser. Answered before the sign-in limits are counted.',
			content: problemContent({
				type: problemType('forbidden'),
				title: 'Forbidden',
				status: 403,
				detail:
					'Password sign-in is turned off on this instance. Sign in with Single sign-on instead.',
			}),
		},
		'422': problem(
			'ValidationFailed',
			'`email` or `password` is missing, not a string or too long.',
		),
	},
	tooManyRequests:
		'Too many failed sign-ins for this email from this address (`RATE_LIMIT_LOGIN`), even with the right password until the window ends; or for this account from anywhere, which then waits 1 s, 2, 4… up to 60 s (`Retry-After`); or the per-address ceiling.',
	handler: async ({ args, body: { email, password } }) => {
		assertPasswordLogin()
		const user = await signInWithPassword(args, email, password)
		if (!user) throw new UnauthorizedError('Incorrect email or password.')
		const session = await createSession(user.id, 'token', clientOf(args))
		return json(presentSignedIn(user, session))
	},
})

export const logout = defineOperation({
	method: 'POST',
	path: '/api/auth/logout',
	operationId: 'logout',
	tag: 'Auth',
	summary: 'Revoke the current token',
	description:
		'Revokes the token (or cookie session) that authenticated this request; it stops working at once. No body is needed.',
	access: 'any',
	responses: { '204': { description: 'Revoked.' } },
	handler: async ({ args, auth }) => {
		await revokeSession(auth.sessionId)
		await recordAudit(args, { action: 'auth.sign_out', actor: auth.user })
		return new Response(null, { status: 204 })
	},
})

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
