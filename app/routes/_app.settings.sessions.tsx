import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { listApiTokens } from '#app/auth/api-tokens.server'
import { requirePageUser } from '#app/auth/auth.server'
import {
	listSignIns,
	revokeOtherSessions,
	revokeSignIn,
	type SignIn,
} from '#app/auth/sessions.server'
import { Alert, RowAction, secondaryButtonClass, TableHead, TableScroll } from '#app/components/ui'
import { type AppError, BadRequestError, NotFoundError } from '#app/errors'
import { formAction } from '#app/forms.server'
import { describeUserAgent } from '#app/format'
import { Time } from '#app/components/time'

export const meta: MetaFunction = () => [{ title: 'Sessions · Settings · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user, sessionId } = await requirePageUser({ request, context })
	const [signIns, tokens] = await Promise.all([
		listSignIns(user.id, sessionId),
		listApiTokens(user.id),
	])
	return { signIns, personalTokens: tokens.length }
}

export async function action(args: ActionFunctionArgs) {
	const { user, sessionId } = await requirePageUser(args)
	const form = await args.request.formData()
	const intent = form.get('intent')
	return formAction({ message: refusalMessage }, async () => {
		if (intent === 'revoke-others') {
			const revoked = await revokeOtherSessions(user.id, sessionId)
			return { message: `Signed out everywhere else: ${plural(revoked, 'session')} ended.` }
		}
		if (intent !== 'revoke') throw new BadRequestError('Unknown action.')
		await revokeSignIn(user.id, String(form.get('id') ?? ''))
		return { message: 'Session signed out: it no longer works.' }
	})
}

const refusalMessage = (error: AppError) =>
	error instanceof NotFoundError
		? 'This session was already signed out or has expired.'
		: error.message

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** A fixed format in UTC, so the server's and the browser's renderings agree. */
function DateCell({ iso, empty = 'Never' }: { iso: string | null; empty?: string }) {
	if (!iso) return <span className="text-zinc-600">{empty}</span>
	return <Time iso={iso} />
}

const kindLabels: Record<SignIn['kind'], string> = {
	browser: 'Browser',
	api: 'API sign-in',
}

export default function Sessions() {
	const { signIns, personalTokens } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const others = signIns.filter((signIn) => !signIn.current).length

	return (
		<div className="space-y-8">
			<p className="max-w-2xl text-sm text-zinc-700">
				Where you are signed in: browsers, and API clients that signed in with your password. Sign
				out any you do not recognise, then change your password. Personal API tokens are on the{' '}
				<Link to="/settings/tokens" className="font-medium text-indigo-700 underline">
					API tokens
				</Link>{' '}
				page ({plural(personalTokens, 'token')}).
			</p>

			<div className="space-y-4 empty:hidden">
				{result && 'message' in result ? <Alert tone="info">{result.message}</Alert> : null}
				{result && 'error' in result ? <Alert>{result.error}</Alert> : null}
			</div>

			<section aria-labelledby="sessions-heading" className="space-y-3">
				<h2 id="sessions-heading" className="text-lg font-semibold">
					Your sessions
				</h2>
				<TableScroll label="Your sessions">
					<table className="w-full text-left text-sm" data-testid="sessions">
						<caption className="sr-only">Your browser sessions and API sign-ins</caption>
						<TableHead columns={['Client', 'Kind', 'Address', 'Signed in', 'Last used']} />
						<tbody>
							{signIns.map((signIn) => {
								const client = describeUserAgent(signIn.userAgent)
								return (
									<tr key={signIn.id} className="border-t border-zinc-200">
										<th scope="row" className="py-2 pr-4 font-medium">
											<span title={signIn.userAgent ?? undefined}>{client}</span>
											{signIn.current ? (
												<span className="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-emerald-300 ring-inset">
													This session
												</span>
											) : null}
										</th>
										<td className="py-2 pr-4 whitespace-nowrap">{kindLabels[signIn.kind]}</td>
										<td className="py-2 pr-4 font-mono break-all">{signIn.ip ?? 'Unknown'}</td>
										<td className="py-2 pr-4 whitespace-nowrap">
											<DateCell iso={signIn.createdAt} />
										</td>
										<td className="py-2 pr-4 whitespace-nowrap">
											<DateCell iso={signIn.lastUsedAt} empty="Not yet" />
										</td>
										<td className="py-2 text-right">
											{signIn.current ? null : (
												<RowAction intent="revoke" id={signIn.id}>
													Sign out
													<span className="sr-only">
														{' '}
														{client} from {signIn.ip ?? 'an unknown address'}
													</span>
												</RowAction>
											)}
										</td>
									</tr>
								)
							})}
						</tbody>
					</table>
				</TableScroll>
				{others > 0 ? (
					<Form method="post">
						<input type="hidden" name="intent" value="revoke-others" />
						<button
							type="submit"
							className={`${secondaryButtonClass} focus-visible:outline-2 focus-visible:outline-indigo-600`}
							disabled={busy}
						>
							Sign out everywhere else
						</button>
					</Form>
				) : (
					<p className="text-sm text-zinc-600">You are not signed in anywhere else.</p>
				)}
			</section>
		</div>
	)
}
