import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react'
import {
	authenticator,
	redirectIfSignedIn,
	InvalidCredentialsError,
	safeRedirect,
	startBrowserSession,
} from '~/auth/auth.server'
import { throttleSignIn } from '~/auth/throttle.server'
import { AuthCard } from '~/components/auth-card'
import { Alert, buttonClass, Field } from '~/components/ui'
import { TooManyRequestsError } from '~/errors'

export const meta: MetaFunction = () => [{ title: 'Sign in · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export const loader = ({ request }: LoaderFunctionArgs) => redirectIfSignedIn(request)

export async function action(args: ActionFunctionArgs) {
	const { request } = args
	const form = await request.clone().formData()
	const email = String(form.get('email') ?? '')
	try {
		// Shares the API's budget of failed attempts per email and address.
		const user = await throttleSignIn(args, email, () =>
			authenticator.authenticate('form', request).catch((error: unknown) => {
				if (error instanceof InvalidCredentialsError) return null
				throw error
			}),
		)
		if (!user) return { error: 'Incorrect email or password.', email }
		return startBrowserSession(user, safeRedirect(form.get('redirectTo')), args)
	} catch (error) {
		if (error instanceof TooManyRequestsError) {
			return data({ error: error.message, email }, { status: 429, headers: error.headers })
		}
		throw error
	}
}

export default function Login() {
	const data = useActionData<typeof action>()
	const [params] = useSearchParams()
	const busy = useNavigation().state === 'submitting'
	return (
		<AuthCard title="Sign in to Darkroom">
			<Form method="post" className="space-y-4">
				<input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? '/images'} />
				{data?.error ? <Alert>{data.error}</Alert> : null}
				<Field
					label="Email"
					name="email"
					type="email"
					autoComplete="email"
					required
					defaultValue={data?.email}
				/>
				<Field
					label="Password"
					name="password"
					type="password"
					autoComplete="current-password"
					required
				/>
				<button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
					{busy ? 'Signing in…' : 'Sign in'}
				</button>
			</Form>
			<p className="mt-6 text-sm text-zinc-600">
				No account yet?{' '}
				<Link to="/register" className="font-medium text-indigo-700 underline">
					Create one
				</Link>
			</p>
		</AuthCard>
	)
}
