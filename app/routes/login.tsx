import {
	type ActionFunctionArgs,
	data,
	type HeadersFunction,
	type LoaderFunctionArgs,
	type MetaFunction,
} from '@remix-run/node'
import {
	Form,
	Link,
	useActionData,
	useLoaderData,
	useNavigation,
	useSearchParams,
} from '@remix-run/react'
import {
	authenticateForm,
	redirectIfSignedIn,
	refusedSessionCookie,
	startBrowserSession,
} from '#app/auth/auth.server'
import { registrationRefusal } from '#app/auth/registration.server'
import { signInWithPassword } from '#app/auth/throttle.server'
import { ssoRefusal } from '#app/auth/sso.server'
import { assertPasswordLogin } from '#app/auth/password.server'
import { AuthCard } from '#app/components/auth-card'
import { Alert, buttonClass, Field, secondaryButtonClass } from '#app/components/ui'
import { config } from '#app/config.server'
import { type FormRefusal, formAction, formValues } from '#app/forms.server'
import { limitClientIp } from '#app/rate-limit.server'

export const meta: MetaFunction = () => [{ title: 'Sign in · Darkroom' }]

// A refused action's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export async function loader({ request }: LoaderFunctionArgs) {
	await redirectIfSignedIn(request)
	const sso = await ssoRefusal(request)
	return data(
		{
			refusedCookie: await refusedSessionCookie(request),
			// No "create one" link to a page that would only say no.
			registrationOpen: config.passwordLogin && (await registrationRefusal()) === null,
			passwordLogin: config.passwordLogin,
			ssoLabel: config.oidc?.label ?? null,
			ssoRefusal: sso?.message ?? null,
		},
		// The reason is shown once.
		{ headers: sso ? { 'Set-Cookie': sso.clear } : {} },
	)
}

export async function action(args: ActionFunctionArgs) {
	let values = { email: '', password: '' }
	return formAction({ values: () => values, secrets: ['password'] }, async () => {
		assertPasswordLogin()
		// The API's per-address ceiling, before the body is read.
		await limitClientIp(args)
		const { form, result: user } = await authenticateForm(args.request, (form) => {
			values = formValues(form, ['email', 'password'])
			// Shares the API's budgets: per email and address, and per account.
			return signInWithPassword(args, values.email, values.password)
		})
		if (!user) {
			// One answer for an unknown email and a wrong password.
			const refused: FormRefusal<{ email: string }> = {
				error: 'Incorrect email or password.',
				fieldErrors: {},
				values: { email: values.email },
			}
			return refused
		}
		return startBrowserSession(user, form.get('redirectTo'), args)
	})
}

export default function Login() {
	const data = useActionData<typeof action>()
	const { refusedCookie, registrationOpen, passwordLogin, ssoLabel, ssoRefusal } =
		useLoaderData<typeof loader>()
	const [params] = useSearchParams()
	const redirectTo = params.get('redirectTo') ?? '/images'
	return (
		<AuthCard title="Sign in to Darkroom">
			<div className="space-y-4">
				{ssoRefusal ? <Alert>{ssoRefusal}</Alert> : null}
				{data?.error ? <Alert>{data.error}</Alert> : null}
				{refusedCookie && !data ? (
					<RefusedCookieMessage httpsAddress={refusedCookie.httpsAddress} />
				) : null}
				{passwordLogin ? <PasswordForm redirectTo={redirectTo} email={data?.values.email} /> : null}
				{ssoLabel ? (
					<SingleSignOn label={ssoLabel} redirectTo={redirectTo} alone={!passwordLogin} />
				) : null}
			</div>
			{registrationOpen ? (
				<p className="mt-6 text-sm text-zinc-600">
					No account yet?{' '}
					<Link to="/register" className="font-medium text-indigo-700 underline">
						Create one
					</Link>
				</p>
			) : null}
		</AuthCard>
	)
}

function PasswordForm({ redirectTo, email }: { redirectTo: string; email?: string }) {
	const busy = useNavigation().state === 'submitting'
	return (
		<Form method="post" className="space-y-4">
			<input type="hidden" name="redirectTo" value={redirectTo} />
			<Field
				label="Email"
				name="email"
				type="email"
				autoComplete="email"
				required
				defaultValue={email}
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
	)
}

/**
 * A plain form, not Remix's: the answer is a redirect to the provider, which
 * the browser must follow itself, with or without JavaScript.
 */
function SingleSignOn({
	label,
	redirectTo,
	alone,
}: {
	label: string
	redirectTo: string
	alone: boolean
}) {
	return (
		<form
			method="post"
			action="/auth/oidc"
			className={alone ? undefined : 'mt-6 border-t border-zinc-200 pt-6'}
		>
			<input type="hidden" name="redirectTo" value={redirectTo} />
			<button type="submit" className={`${alone ? buttonClass : secondaryButtonClass} w-full`}>
				{`Sign in with ${label}`}
			</button>
		</form>
	)
}

/** After a sign-in whose session cookie the browser did not keep: why, and what to do. */
function RefusedCookieMessage({ httpsAddress }: { httpsAddress: string | null }) {
	return (
		<Alert>
			Your password was right, but your browser did not keep the sign-in cookie, so you are still
			signed out.{' '}
			{httpsAddress ? (
				<>
					This Darkroom&rsquo;s address (PUBLIC_URL) is <strong>{httpsAddress}</strong>, so its
					cookie only works over HTTPS, and this page was opened over plain HTTP. Sign in at{' '}
					<a href={`${httpsAddress}/login`} className="font-medium underline">
						{httpsAddress}/login
					</a>
					, or have the administrator unset PUBLIC_URL to use it over HTTP on a home network.
				</>
			) : (
				<>
					Check that your browser accepts cookies for this site. Over plain HTTP, the cookie works
					only when PUBLIC_URL is not an https:// address and no proxy reports HTTPS.
				</>
			)}
		</Alert>
	)
}
