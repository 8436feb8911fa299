import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import {
	Form,
	useActionData,
	useLoaderData,
	useNavigation,
	useSearchParams,
} from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '#app/admin/audit.server'
import { requirePageAdmin } from '#app/admin/auth.server'
import { registrationPolicy, saveRegistrationMode } from '#app/auth/registration.server'
import { type RegistrationMode, registrationModes } from '#app/auth/schemas'
import { Alert, buttonClass } from '#app/components/ui'
import { type DuplicateUploadPolicy, duplicateUploadPolicies } from '#app/duplicates/schemas'
import {
	duplicateUploadPolicy,
	saveDuplicateUploadPolicy,
} from '#app/duplicates/upload-policy.server'
import { formAction, formValues } from '#app/forms.server'
import { parseInput } from '#app/validation'
import { db } from '#app/db.server'

export const meta: MetaFunction = () => [{ title: 'Instance settings · Darkroom' }]

// Each setting is changed only when the form sends it: REGISTRATION (set in
// the environment) disables its fieldset, and older clients post one alone.
const settingsSchema = z.object({
	registration: z.enum(registrationModes, { error: 'Choose who may create an account' }).optional(),
	duplicateUploads: z
		.enum(duplicateUploadPolicies, { error: 'Choose what happens to a repeated upload' })
		.optional(),
})

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	const [registration, duplicateUploads] = await Promise.all([
		registrationPolicy(),
		duplicateUploadPolicy(),
	])
	return { ...registration, duplicateUploads }
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageAdmin(args)
	const values = formValues(await args.request.formData(), ['registration', 'duplicateUploads'])
	return formAction({ values }, async () => {
		const { registration, duplicateUploads } = parseInput(settingsSchema, {
			registration: values.registration || undefined,
			duplicateUploads: values.duplicateUploads || undefined,
		})
		// Each change and its audit entry commit together.
		await db.transaction(async (tx) => {
			const audit = (id: string, details: Record<string, string>) =>
				recordAudit(
					args,
					{ action: 'settings.change', actor: user, target: { type: 'settings', id }, details },
					tx,
				)
			if (registration) {
				await saveRegistrationMode(registration, tx)
				await audit('registration', { registration })
			}
			if (duplicateUploads) {
				await saveDuplicateUploadPolicy(duplicateUploads, tx)
				await audit('duplicate-uploads', { duplicateUploads })
			}
		})
		return redirect('/admin/settings?saved=1')
	})
}

const MODE_LABELS: Record<RegistrationMode, { label: string; hint: string }> = {
	open: { label: 'Open', hint: 'Anyone who reaches this instance may create an account.' },
	invite: {
		label: 'By invitation',
		hint: 'Only people with an invite link may create an account: make links on the Invites page.',
	},
	closed: { label: 'Closed', hint: 'Nobody may create an account.' },
}

const DUPLICATE_LABELS: Record<DuplicateUploadPolicy, { label: string; hint: string }> = {
	keep: {
		label: 'Keep both',
		hint: 'A repeated upload is stored again and marked as a duplicate; the Duplicates page finds it.',
	},
	refuse: {
		label: 'Refuse',
		hint: 'A file someone already has is not stored again; they are shown the image they have.',
	},
}

export default function AdminSettings() {
	const { mode, fromEnvironment, duplicateUploads } = useLoaderData<typeof loader>()
	const data = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = navigation.state === 'submitting'
	const [params] = useSearchParams()
	return (
		<div className="max-w-xl space-y-6">
			<h1 className="text-2xl font-semibold">Instance settings</h1>
			{data?.error ? <Alert>{data.error}</Alert> : null}
			{/* Hidden while a save is under way, so a second save's "Saved." is news too. */}
			{params.has('saved') && !data && navigation.state === 'idle' ? (
				<Alert tone="info">Saved.</Alert>
			) : null}
			{fromEnvironment ? (
				<Alert tone="info">
					The <code>REGISTRATION</code> environment variable sets this to “{MODE_LABELS[mode].label}
					”; it wins over the choice here. Unset it to choose here.
				</Alert>
			) : null}
			<Form method="post" className="space-y-4">
				<fieldset disabled={fromEnvironment} className="space-y-3">
					<legend className="mb-2 text-lg font-semibold">Who may create an account</legend>
					{registrationModes.map((value) => (
						<div key={value} className="flex items-start gap-3">
							<input
								type="radio"
								id={`registration-${value}`}
								name="registration"
								value={value}
								defaultChecked={value === mode}
								className="mt-1"
								aria-describedby={`registration-${value}-hint`}
							/>
							{/* The hint describes the choice; only the label names it. */}
							<div>
								<label htmlFor={`registration-${value}`} className="font-medium">
									{MODE_LABELS[value].label}
								</label>
								<p id={`registration-${value}-hint`} className="text-sm text-zinc-600">
									{MODE_LABELS[value].hint}
								</p>
							</div>
						</div>
					))}
					<p className="text-sm text-zinc-600">
						The first account of a new instance may always register; it becomes the admin.
					</p>
				</fieldset>
				<fieldset className="space-y-3">
					<legend className="mb-2 text-lg font-semibold">
						When someone uploads a file they already have
					</legend>
					{duplicateUploadPolicies.map((value) => (
						<div key={value} className="flex items-start gap-3">
							<input
								type="radio"
								id={`duplicates-${value}`}
								name="duplicateUploads"
								value={value}
								defaultChecked={value === duplicateUploads}
								className="mt-1"
								aria-describedby={`duplicates-${value}-hint`}
							/>
							<div>
								<label htmlFor={`duplicates-${value}`} className="font-medium">
									{DUPLICATE_LABELS[value].label}
								</label>
								<p id={`duplicates-${value}-hint`} className="text-sm text-zinc-600">
									{DUPLICATE_LABELS[value].hint}
								</p>
							</div>
						</div>
					))}
				</fieldset>
				<button type="submit" className={buttonClass} disabled={busy}>
					{busy ? 'Saving…' : 'Save'}
				</button>
			</Form>
		</div>
	)
}
