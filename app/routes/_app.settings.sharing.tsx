import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { requirePageUser } from '#app/auth/auth.server'
import { Alert, buttonClass } from '#app/components/ui'
import { formAction, formValues } from '#app/forms.server'
import { getDefaultVisibility, setDefaultVisibility } from '#app/images/visibility.server'

// Whether new uploads start private or shared with the team (decision 022).

export const meta: MetaFunction = () => [{ title: 'Sharing · Settings · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	return { defaultVisibility: await getDefaultVisibility(user.id) }
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	const values = formValues(await args.request.formData(), ['defaultVisibility'])
	return formAction({ values }, async () => ({
		saved: await setDefaultVisibility(user.id, values),
	}))
}

const choices = [
	{ value: 'private', label: 'Private', hint: 'Only you see them until you share them.' },
	{
		value: 'team',
		label: 'Shared with the team',
		hint: 'Everyone on this instance may view and download them; only you (or an admin) may change or delete them.',
	},
] as const

export default function SharingSettings() {
	const { defaultVisibility } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const refused = result && 'error' in result ? result : undefined
	return (
		<section aria-labelledby="sharing-heading" className="max-w-xl space-y-4">
			<h2 id="sharing-heading" className="text-lg font-semibold">
				Sharing
			</h2>
			<div className="empty:hidden">
				{result && 'saved' in result ? <Alert tone="info">Saved.</Alert> : null}
				{refused ? <Alert>{refused.error}</Alert> : null}
			</div>
			<Form method="post" className="space-y-4">
				<fieldset className="space-y-3">
					<legend className="text-sm font-medium text-zinc-800">New uploads are:</legend>
					{choices.map((choice) => (
						<div key={choice.value} className="flex items-start gap-2">
							<input
								type="radio"
								id={`defaultVisibility-${choice.value}`}
								name="defaultVisibility"
								value={choice.value}
								defaultChecked={defaultVisibility === choice.value}
								aria-describedby={`defaultVisibility-${choice.value}-hint`}
								className="mt-1 size-4 accent-indigo-600"
							/>
							<div>
								<label
									htmlFor={`defaultVisibility-${choice.value}`}
									className="text-sm font-medium"
								>
									{choice.label}
								</label>
								<p id={`defaultVisibility-${choice.value}-hint`} className="text-sm text-zinc-600">
									{choice.hint}
								</p>
							</div>
						</div>
					))}
				</fieldset>
				<p className="text-sm text-zinc-600">
					Images you already have keep their setting; change those on each image&apos;s page or
					several at once in the gallery.
				</p>
				<button type="submit" className={buttonClass} disabled={busy}>
					Save
				</button>
			</Form>
		</section>
	)
}
