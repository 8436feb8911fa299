import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { redirectIfSignedIn, startBrowserSession } from '#app/auth/auth.server'
import { inspectInvite } from '#app/auth/invites.server'
import { registrationRefusal } from '#app/auth/registration.server'
import { throttleRegistration } from '#app/auth/throttle.server'
import { passwordLoginOff } from '#app/auth/password.server'
import { registerUser } from '#app/auth/users.server'
import { AuthCard } from '#app/components/auth-card'
import { config } from '#app/config.server'
import { Alert, buttonClass, Field } from '#app/components/ui'
import { type AppError, ForbiddenError, TooManyRequestsError } from '#app/errors'
import { formAction, formValues } from '#app/forms.server'
import { limitClientIp } from '#app/rate-limit.server'

export const meta: MetaFunction = () => [{ title: 'Create an account · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export async function loader({ request }: LoaderFunctionArgs) {
	await redirectIfSignedIn(request)
	const passwordOff = {
		refusal: passwordLoginOff('Registration with a password'),
		invite: null,
		invitedRole: null,
	}
	if (!config.passwordLogin) return passwordOff
	const invite = new URL(request.url).searchParams.get('invite')
	// An invite link opens the form whatever the mode, or says why it cannot.
	if (invite) {
		const offer = await inspectInvite(invite)
		return { refusal: offer.refusal, invite, invitedRole: offer.role }
	}
	// Closed or by invitation: the page says so instead of offering a form that would be refused.
	return { refusal: await registrationRefusal(), invite: null, invitedRole: null }
}

export async function action(args: ActionFunctionArgs) {
	let values = { email: '', password: '', invite: '' }
	return formAction({ values: () => values, secrets: ['password'], status }, async () => {
		// The API's per-address ceiling, before the body is read.
		await limitClientIp(args)
		values = formValues(await args.request.formData(), ['email', 'password', 'invite'])
		// Every registration counts against the address's RATE_LIMIT_SIGNUP, as in the API.
		const invited = { invited: values.invite !== '' }
		const user = await throttleRegistration(args, invited, () => registerUser(args, values))
		return startBrowserSession(user, '/images', args)
	})
}

// A refused form is answered 200, as it always has been; a rate limit keeps its
// 429 and a closed registration its 403, as in the API.
const status = (error: AppError) =>
	error instanceof TooManyRequestsError || error instanceof ForbiddenError ? error.status : 200

export default function Register() {
	const data = useActionData<typeof action>()
	const { refusal, invite, invitedRole } = useLoaderData<typeof loader>()
	const busy = useNavigation().state === 'submitting'
	if (refusal) return <RegistrationRefused message={refusal} />
	return (
		<AuthCard title="Create your account">
			{invite ? (
				<Alert tone="info">
					{invitedRole === 'admin'
						? 'You have been invited to this Darkroom as an administrator.'
						: 'You have been invited to this Darkroom.'}
				</Alert>
			) : null}
			<Form method="post" className="mt-4 space-y-4">
				{/* Kept through the form, so the invite works without JavaScript. */}
				{invite ? <input type="hidden" name="invite" value={invite} /> : null}
				{/* A field's problem shows beside it; anything else (taken, rate limited) here. */}
				{data && Object.keys(data.fieldErrors).length === 0 ? <Alert>{data.error}</Alert> : null}
				<Field
					label="Email"
					name="email"
					type="email"
					autoComplete="email"
					required
					defaultValue={data?.values.email}
					error={data?.fieldErrors.email}
				/>
				<Field
					label="Password (8 characters or more)"
					name="password"
					type="password"
					autoComplete="new-password"
					required
					minLength={8}
					maxLength={256}
					error={data?.fieldErrors.password}
				/>
				<button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
					{busy ? 'Creating account…' : 'Create account'}
				</button>
			</Form>
			<p className="mt-6 text-sm text-zinc-600">
				Already have an account?{' '}
				<Link to="/login" className="font-medium text-indigo-700 underline">
					Sign in
				</Link>
			</p>
		</AuthCard>
	)
}

function RegistrationRefused({ message }: { message: string }) {
	return (
		<AuthCard title="Create your account">
			<Alert>{message}</Alert>
			<p className="mt-6 text-sm text-zinc-600">
				Already have an account?{' '}
				<Link to="/login" className="font-medium text-indigo-700 underline">
					Sign in
				</Link>
			</p>
		</AuthCard>
	)
}
