import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { requirePageUser } from '#app/auth/auth.server'
import { changePassword, hasPassword } from '#app/auth/password-change.server'
import { Alert, buttonClass, Field } from '#app/components/ui'
import { formAction, formValues } from '#app/forms.server'

export const meta: MetaFunction = () => [{ title: 'Password · Settings · Darkroom' }]

// A refused attempt's Retry-After and RateLimit-* reach the page's response too.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	// An account made by single sign-on has no password: the page says so
	// rather than asking for a current one that does not exist.
	return { hasPassword: await hasPassword(user.id) }
}

export async function action(args: ActionFunctionArgs) {
	const { user, sessionId } = await requirePageUser(args)
	const form = await args.request.formData()
	const values = formValues(form, ['currentPassword', 'newPassword'])
	return formAction({ values, secrets: ['currentPassword', 'newPassword'] }, async () => ({
		revoked: await changePassword(args, user, sessionId, values),
	}))
}

export default function PasswordSettings() {
	const { hasPassword } = useLoaderData<typeof loader>()
	return hasPassword ? <ChangePassword /> : <SingleSignOnOnly />
}

function SingleSignOnOnly() {
	return (
		<section aria-labelledby="password-heading" className="max-w-md space-y-4">
			<h2 id="password-heading" className="text-lg font-semibold">
				Password
			</h2>
			<p className="text-sm text-zinc-700">
				Your account signs in with single sign-on and has no password here. Your password, and how
				you sign in, are managed at your sign-in provider.
			</p>
		</section>
	)
}

function ChangePassword() {
	const result = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const refused = result && 'error' in result ? result : undefined
	const fieldErrors = refused?.fieldErrors ?? {}
	const changed = result && 'revoked' in result ? result : null
	const formRef = useRef<HTMLFormElement>(null)
	// After a change both fields start empty again (each answer is a new object).
	useEffect(() => {
		if (changed) formRef.current?.reset()
	}, [changed])

	return (
		<section aria-labelledby="password-heading" className="max-w-md space-y-4">
			<h2 id="password-heading" className="text-lg font-semibold">
				Change your password
			</h2>
			<p className="text-sm text-zinc-700">
				Changing it signs you out everywhere else: other browsers, API sign-ins and every personal
				API token stop working. This browser stays signed in.
			</p>
			<div className="empty:hidden">
				{changed ? (
					<Alert tone="info">
						Password changed. {changed.revoked} other{' '}
						{changed.revoked === 1 ? 'session or token was' : 'sessions and tokens were'} signed
						out.
					</Alert>
				) : null}
				{/* A field's problem shows beside it; anything else (rate limited) here. */}
				{refused && Object.keys(fieldErrors).length === 0 ? <Alert>{refused.error}</Alert> : null}
			</div>
			<Form method="post" className="space-y-4" ref={formRef} noValidate>
				<Field
					label="Current password"
					name="currentPassword"
					type="password"
					autoComplete="current-password"
					required
					error={fieldErrors.currentPassword}
				/>
				<Field
					label="New password (8 to 256 characters)"
					name="newPassword"
					type="password"
					autoComplete="new-password"
					minLength={8}
					maxLength={256}
					required
					error={fieldErrors.newPassword}
				/>
				<button type="submit" className={buttonClass} disabled={busy}>
					{busy ? 'Changing…' : 'Change password'}
				</button>
			</Form>
		</section>
	)
}
