import type {
	ActionFunctionArgs,
	HeadersFunction,
	LoaderFunctionArgs,
	MetaFunction,
} from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { userRoles } from '#db/statuses'
import { requirePageAdmin } from '#app/admin/auth.server'
import { MAX_QUOTA_BYTES } from '#app/admin/user-schemas'
import { createPasswordResetLink, deleteUser, getUser, updateUser } from '#app/admin/users.server'
import { SecretOnce } from '#app/components/secret-once'
import { Time } from '#app/components/time'
import { Alert, buttonClass, Field, secondaryButtonClass } from '#app/components/ui'
import { BadRequestError, NotFoundError, ValidationError } from '#app/errors'
import { formatBytes, formatUsd } from '#app/format'
import { formAction, formValues } from '#app/forms.server'
import { parseInput } from '#app/validation'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.user.email ?? 'User'} · Users · Darkroom` },
]

// A new reset link is in the page itself: no cache may keep it.
export const headers: HeadersFunction = ({ actionHeaders }) => {
	const headers = new Headers(actionHeaders)
	headers.set('Cache-Control', 'no-store')
	return headers
}

export async function loader(args: LoaderFunctionArgs) {
	const { user: admin } = await requirePageAdmin(args)
	const user = await getUser(args.params.id ?? '').catch((error: unknown) => {
		throw error instanceof NotFoundError ? new Response('Not found', { status: 404 }) : error
	})
	return { user, self: user.id === admin.id }
}

const UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3 } as const

const quotaSchema = z
	.object({
		quota: z.coerce
			.number({ error: 'Enter a number' })
			.positive('Enter a quota above 0, or clear it'),
		unit: z.enum(['MiB', 'GiB'], { error: 'Choose MiB or GiB' }),
	})
	.transform(({ quota, unit }) => Math.round(quota * UNITS[unit]))
	.refine((bytes) => bytes <= MAX_QUOTA_BYTES, {
		message: 'That quota is larger than any disk',
		path: ['quota'],
	})

const roleSchema = z.object({ role: z.enum(userRoles, { error: 'Choose a role' }) })

export async function action(args: ActionFunctionArgs) {
	const { user: admin } = await requirePageAdmin(args)
	const actor = { id: admin.id, email: admin.email }
	const userId = args.params.id ?? ''
	const form = await args.request.formData()
	const intent = String(form.get('intent') ?? '')
	const values = formValues(form, ['role', 'quota', 'unit', 'confirmEmail'])
	return formAction({ about: { intent }, values }, async () => {
		switch (intent) {
			case 'role':
				await updateUser(args, actor, userId, parseInput(roleSchema, values))
				return { done: 'Role changed.' }
			case 'disable':
			case 'enable':
				await updateUser(args, actor, userId, { disabled: intent === 'disable' })
				return {
					done:
						intent === 'disable'
							? 'Account disabled: every session and token of it was signed out.'
							: 'Account enabled: it may sign in again.',
				}
			case 'quota':
				await updateUser(args, actor, userId, { quotaBytes: parseInput(quotaSchema, values) })
				return { done: 'Quota saved.' }
			case 'quota-clear':
				await updateUser(args, actor, userId, { quotaBytes: null })
				return { done: 'Quota cleared.' }
			case 'reset-link':
				return { resetLink: await createPasswordResetLink(args, actor, userId) }
			case 'delete': {
				const { email } = await getUser(userId)
				if (values.confirmEmail.trim().toLowerCase() !== email) {
					const message = 'Type the account’s email exactly to confirm.'
					throw new ValidationError(message, [{ path: 'confirmEmail', message }])
				}
				await deleteUser(args, actor, userId)
				return redirect(`/admin/users?${new URLSearchParams({ deleted: email })}`)
			}
			default:
				throw new BadRequestError('Unknown action.')
		}
	})
}

export default function AdminUser() {
	const { user, self } = useLoaderData<typeof loader>()
	const data = useActionData<typeof action>()
	const refusal = data && 'error' in data ? data : undefined
	const fieldErrors = refusal?.fieldErrors ?? {}
	const resetLink = data && 'resetLink' in data ? data.resetLink : undefined
	const quotaUnit = user.quotaBytes !== null && user.quotaBytes % UNITS.GiB === 0 ? 'GiB' : 'MiB'
	return (
		<div className="max-w-2xl space-y-8">
			<div className="space-y-1">
				<Link to="/admin/users" className="text-sm text-indigo-700 underline">
					All users
				</Link>
				<h1 className="text-2xl font-semibold wrap-anywhere">{user.email}</h1>
			</div>
			<div className="empty:hidden">
				{data && 'done' in data ? <Alert tone="info">{data.done}</Alert> : null}
				{refusal && Object.keys(fieldErrors).length === 0 ? <Alert>{refusal.error}</Alert> : null}
			</div>
			{resetLink ? (
				<SecretOnce
					heading="Password-reset link"
					secret={resetLink.url}
					copyLabel="Copy link"
					testId="reset-link"
				>
					Give this link to {user.email} yourself. It works once, until{' '}
					<Time iso={resetLink.expiresAt} />, and is not shown again.
				</SecretOnce>
			) : null}
			<dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-3" data-testid="user-summary">
				{[
					['Role', user.role],
					['Status', user.disabledAt ? 'Disabled' : 'Active'],
					['Images', user.images.toLocaleString('en')],
					['Stored', formatBytes(user.bytesStored)],
					['Quota', user.quotaBytes === null ? 'Instance default' : formatBytes(user.quotaBytes)],
					['AI cost this month', formatUsd(user.aiCostUsdThisMonth)],
				].map(([label, value]) => (
					<div key={label}>
						<dt className="text-zinc-600">{label}</dt>
						<dd className="font-medium">{value}</dd>
					</div>
				))}
				<div>
					<dt className="text-zinc-600">Last active</dt>
					<dd className="font-medium">
						{user.lastActiveAt ? <Time iso={user.lastActiveAt} /> : 'Never'}
					</dd>
				</div>
				<div>
					<dt className="text-zinc-600">Registered</dt>
					<dd className="font-medium">
						<Time iso={user.createdAt} />
					</dd>
				</div>
			</dl>

			<section aria-labelledby="role-heading" className="space-y-3">
				<h2 id="role-heading" className="text-lg font-semibold">
					Role
				</h2>
				<Form method="post" className="flex flex-wrap items-end gap-3">
					<input type="hidden" name="intent" value="role" />
					<div>
						<label htmlFor="role" className="block text-sm font-medium text-zinc-700">
							Role
						</label>
						<select
							id="role"
							name="role"
							defaultValue={user.role}
							className="mt-1 rounded-md border border-zinc-300 bg-white px-3 py-2"
						>
							<option value="member">Member</option>
							<option value="admin">Admin</option>
						</select>
					</div>
					<button type="submit" className={secondaryButtonClass}>
						Change role
					</button>
				</Form>
				<p className="text-sm text-zinc-600">
					Admins manage accounts and the instance. The last enabled admin cannot be demoted.
				</p>
			</section>

			<section aria-labelledby="access-heading" className="space-y-3">
				<h2 id="access-heading" className="text-lg font-semibold">
					Access
				</h2>
				{user.disabledAt ? (
					<>
						<p className="text-sm text-zinc-700">
							Disabled since <Time iso={user.disabledAt} />. Its images are kept. Enabling lets it
							sign in again; its old sessions and tokens stay signed out.
						</p>
						<Form method="post">
							<input type="hidden" name="intent" value="enable" />
							<button type="submit" className={secondaryButtonClass}>
								Enable account
							</button>
						</Form>
					</>
				) : self ? (
					<p className="text-sm text-zinc-700">You cannot disable your own account.</p>
				) : (
					<>
						<p className="text-sm text-zinc-700">
							Disabling signs out every browser and API token of this account at once and refuses
							its sign-ins. Its images are kept.
						</p>
						<Form method="post">
							<input type="hidden" name="intent" value="disable" />
							<button type="submit" className={secondaryButtonClass}>
								Disable account
							</button>
						</Form>
					</>
				)}
			</section>

			<section aria-labelledby="quota-heading" className="space-y-3">
				<h2 id="quota-heading" className="text-lg font-semibold">
					Storage quota
				</h2>
				<p className="text-sm text-zinc-600">
					Replaces the instance&rsquo;s default (QUOTA_MAX_BYTES_PER_USER) for this account; the
					trash counts too.
				</p>
				{/* Each button names its intent: Enter in the field submits with the first, Save. */}
				<Form method="post" className="flex flex-wrap items-end gap-3" noValidate>
					<div className="w-40">
						<Field
							label="Quota"
							name="quota"
							type="number"
							min="0"
							step="any"
							inputMode="decimal"
							defaultValue={
								refusal?.values.quota ??
								(user.quotaBytes === null ? '' : String(user.quotaBytes / UNITS[quotaUnit]))
							}
							error={fieldErrors.quota}
						/>
					</div>
					<div>
						<label htmlFor="unit" className="block text-sm font-medium text-zinc-700">
							Unit
						</label>
						<select
							id="unit"
							name="unit"
							defaultValue={quotaUnit}
							className="mt-1 rounded-md border border-zinc-300 bg-white px-3 py-2"
						>
							<option value="MiB">MiB</option>
							<option value="GiB">GiB</option>
						</select>
					</div>
					<button type="submit" name="intent" value="quota" className={secondaryButtonClass}>
						Save quota
					</button>
					{user.quotaBytes !== null ? (
						<button
							type="submit"
							name="intent"
							value="quota-clear"
							className={secondaryButtonClass}
						>
							Clear quota
						</button>
					) : null}
				</Form>
			</section>

			<section aria-labelledby="reset-heading" className="space-y-3">
				<h2 id="reset-heading" className="text-lg font-semibold">
					Password reset
				</h2>
				<p className="text-sm text-zinc-600">
					Makes a link that lets the person choose a new password, once, within 24 hours. It signs
					out their other sessions. A new link replaces any earlier one.
				</p>
				<Form method="post">
					<input type="hidden" name="intent" value="reset-link" />
					<button type="submit" className={secondaryButtonClass}>
						Make a password-reset link
					</button>
				</Form>
			</section>

			<section aria-labelledby="delete-heading" className="space-y-3">
				<h2 id="delete-heading" className="text-lg font-semibold">
					Delete account
				</h2>
				{self ? (
					<p className="text-sm text-zinc-700">You cannot delete your own account.</p>
				) : (
					<>
						<p className="text-sm text-zinc-700">
							Deletes the account with all {user.images.toLocaleString('en')} of its images (and its
							trash), their files, sessions, tokens and webhooks. This cannot be undone.
						</p>
						<Form method="post" className="space-y-3" noValidate>
							<input type="hidden" name="intent" value="delete" />
							<Field
								label={`Type ${user.email} to confirm`}
								name="confirmEmail"
								type="text"
								autoComplete="off"
								spellCheck={false}
								required
								error={fieldErrors.confirmEmail}
							/>
							<button type="submit" className={buttonClass}>
								Delete account
							</button>
						</Form>
					</>
				)}
			</section>
		</div>
	)
}
