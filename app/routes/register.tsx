import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useNavigation } from '@remix-run/react'
import { redirectIfSignedIn, startBrowserSession } from '#app/auth/auth.server'
import { throttleRegistration } from '#app/auth/throttle.server'
import { registerUser } from '#app/auth/users.server'
import { AuthCard } from '#app/components/auth-card'
import { Alert, buttonClass, Field } from '#app/components/ui'
import { ConflictError, TooManyRequestsError, ValidationError } from '#app/errors'
import { limitClientIp } from '#app/rate-limit.server'

export const meta: MetaFunction = () => [{ title: 'Create an account · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export const loader = ({ request }: LoaderFunctionArgs) => redirectIfSignedIn(request)

export async function action(args: ActionFunctionArgs) {
	let email = ''
	try {
		// The API's per-address ceiling, before the body is read.
		await limitClientIp(args)
		const form = await args.request.formData()
		email = String(form.get('email') ?? '')
		const password = String(form.get('password') ?? '')
		// Every registration counts against the address's RATE_LIMIT_SIGNUP, as in the API.
		const user = await throttleRegistration(args, () => registerUser({ email, password }))
		return startBrowserSession(user, '/images', args)
	} catch (error) {
		if (error instanceof ValidationError) {
			const fields: Record<string, string> = Object.fromEntries(
				(error.errors ?? []).map((e) => [e.path, e.message]),
			)
			return { email, fields, error: undefined }
		}
		if (error instanceof ConflictError)
			return { email, fields: {} as Record<string, string>, error: error.message }
		if (error instanceof TooManyRequestsError) {
			return data(
				{ email, fields: {} as Record<string, string>, error: error.message },
				{ status: 429, headers: error.headers },
			)
		}
		throw error
	}
}

export default function Register() {
	const data = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	return (
		<AuthCard title="Create your account">
			<Form method="post" className="space-y-4">
				{data?.error ? <Alert>{data.error}</Alert> : null}
				<Field
					label="Email"
					name="email"
					type="email"
					autoComplete="email"
					required
					defaultValue={data?.email}
					error={data?.fields?.email}
				/>
				<Field
					label="Password (8 characters or more)"
					name="password"
					type="password"
					autoComplete="new-password"
					required
					minLength={8}
					maxLength={256}
					error={data?.fields?.password}
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
