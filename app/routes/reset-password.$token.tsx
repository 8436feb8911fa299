import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { startBrowserSession } from '#app/auth/auth.server'
import { passwordResetState, resetPassword } from '#app/auth/password-reset.server'
import { AuthCard } from '#app/components/auth-card'
import { Alert, buttonClass, Field } from '#app/components/ui'
import { formAction, formValues } from '#app/forms.server'
import { limitClientIp } from '#app/rate-limit.server'

export const meta: MetaFunction = () => [{ title: 'Choose a new password · Darkroom' }]

// The link's secret is in the address: no cache keeps the page.
export const headers: HeadersFunction = ({ actionHeaders }) => {
	const headers = new Headers(actionHeaders)
	headers.set('Cache-Control', 'no-store')
	return headers
}

export async function loader({ params }: LoaderFunctionArgs) {
	return passwordResetState(params.token ?? '')
}

export async function action(args: ActionFunctionArgs) {
	const form = await args.request.formData()
	const values = formValues(form, ['newPassword'])
	return formAction({ values, secrets: ['newPassword'] }, async () => {
		await limitClientIp(args)
		const user = await resetPassword(args, args.params.token ?? '', values)
		return startBrowserSession(user, '/images', args)
	})
}

const GONE: Record<'used' | 'expired' | 'unknown', string> = {
	used: 'This password-reset link was already used. Ask an administrator for a new one.',
	expired: 'This password-reset link has expired. Ask an administrator for a new one.',
	unknown:
		'This password-reset link is not valid: check that it was copied whole, or ask an administrator for a new one.',
}

export default function ResetPassword() {
	const link = useLoaderData<typeof loader>()
	const data = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	if (link.state !== 'valid') {
		return (
			<AuthCard title="Choose a new password">
				<Alert>{GONE[link.state]}</Alert>
				<p className="mt-6 text-sm text-zinc-600">
					<Link to="/login" className="font-medium text-indigo-700 underline">
						Sign in
					</Link>
				</p>
			</AuthCard>
		)
	}
	return (
		<AuthCard title="Choose a new password">
			<Form method="post" className="space-y-4" noValidate>
				<p className="text-sm text-zinc-700">
					For <strong>{link.email}</strong>. Once it is set, every other browser and API token of
					this account is signed out, and you are signed in here.
				</p>
				{data && Object.keys(data.fieldErrors).length === 0 ? <Alert>{data.error}</Alert> : null}
				<Field
					label="New password (8 to 256 characters)"
					name="newPassword"
					type="password"
					autoComplete="new-password"
					minLength={8}
					maxLength={256}
					required
					error={data?.fieldErrors.newPassword}
				/>
				<button type="submit" className={`${buttonClass} w-full`} disabled={busy}>
					{busy ? 'Saving…' : 'Set password and sign in'}
				</button>
			</Form>
		</AuthCard>
	)
}
