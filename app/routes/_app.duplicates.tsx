import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { requirePageUser } from '#app/auth/auth.server'
import { Time } from '#app/components/time'
import { Alert, buttonClass, secondaryButtonClass } from '#app/components/ui'
import { findDuplicateGroups, resolveDuplicates } from '#app/duplicates/groups.server'
import { DEFAULT_GROUPS, type DuplicateGroup, MAX_GROUPS } from '#app/duplicates/schemas'
import { formAction } from '#app/forms.server'
import { formatBytes, plural } from '#app/format'
import { baseUrlOf, currentSigningWindow } from '#app/images/present.server'
import { limitRequest } from '#app/rate-limit.server'
import { parseInput } from '#app/validation'

// The Duplicates page: the groups GET /api/duplicates answers, each with a
// "keep this" form per image and one form for every group as suggested.
// Plain forms and a redirect, so it works without JavaScript.

export const meta: MetaFunction = () => [{ title: 'Duplicates · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
	const found = await findDuplicateGroups(user.id, { limit: DEFAULT_GROUPS }, signing)
	const moved = Number(new URL(request.url).searchParams.get('moved') ?? '')
	return { ...found, moved: Number.isInteger(moved) && moved > 0 ? moved : null }
}

/** One group as a form sends it: "<keep id> <id to delete> <id to delete>…". */
const groupField = z
	.string()
	.transform((value) => value.trim().split(/\s+/))
	.pipe(z.tuple([z.uuid()], z.uuid()).refine((ids) => ids.length > 1, 'nothing to delete'))

const formSchema = z.object({ group: z.array(groupField).min(1).max(MAX_GROUPS) })

const asField = (keep: string, others: string[]) => [keep, ...others].join(' ')

// Storage down (503, nothing changed), rate limited, gone in another tab: the message on the page.
export const action = (args: ActionFunctionArgs) =>
	formAction({ message: (error) => `${error.message} Nothing changed; please try again.` }, () =>
		resolveAction(args),
	)

async function resolveAction(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	await limitRequest(args, 'process', user.id)
	const form = await args.request.formData()
	const { group } = parseInput(formSchema, { group: form.getAll('group') })
	const deleted = await resolveDuplicates(
		user,
		group.map(([keep, ...others]) => ({ keep, delete: others })),
	)
	return redirect(`/duplicates?moved=${deleted.length}`)
}

export default function Duplicates() {
	const { groups, total, threshold, moved } = useLoaderData<typeof loader>()
	const failed = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const extra = groups.reduce((sum, group) => sum + group.others.length, 0)
	return (
		<section aria-labelledby="duplicates-heading" className="space-y-4">
			<div className="flex flex-wrap items-end justify-between gap-3">
				<h1 id="duplicates-heading" className="text-lg font-semibold">
					Duplicates <span className="font-normal text-zinc-600">({total})</span>
				</h1>
				{groups.length > 0 ? (
					<Form method="post">
						{groups.map((group) => (
							<input
								key={group.keep}
								type="hidden"
								name="group"
								value={asField(group.keep, group.others)}
							/>
						))}
						<button type="submit" className={buttonClass} disabled={busy}>
							Resolve all as suggested ({plural(extra)} to Trash)
						</button>
					</Form>
				) : null}
			</div>
			<p className="text-sm text-zinc-700">
				Images that are the same file, or look alike (perceptual hashes at most {threshold} of 64
				bits apart). The suggested one to keep has the most pixels, then the most bytes, then is the
				oldest. The others go to the{' '}
				<Link to="/trash" className="underline">
					Trash
				</Link>
				, where they can be restored.
			</p>
			{failed ? <Alert>{failed.error}</Alert> : null}
			{moved ? (
				<Alert tone="info">
					Moved {plural(moved)} to the{' '}
					<Link to="/trash" className="underline">
						Trash
					</Link>
					.
				</Alert>
			) : null}
			{total > groups.length ? (
				<p className="text-sm text-zinc-700">
					Showing the {groups.length} largest of {total} groups; resolve these to see the rest.
				</p>
			) : null}
			{groups.length === 0 ? (
				<div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center text-zinc-600">
					No duplicates: none of your images look alike.
				</div>
			) : (
				<ol className="space-y-6">
					{groups.map((group, index) => (
						<GroupSection key={group.keep} group={group} number={index + 1} busy={busy} />
					))}
				</ol>
			)}
		</section>
	)
}

function GroupSection({
	group,
	number,
	busy,
}: {
	group: DuplicateGroup
	number: number
	busy: boolean
}) {
	const headingId = `group-${number}-heading`
	return (
		<li data-testid="duplicate-group">
			<h2 id={headingId} className="mb-2 font-semibold">
				Group {number}: {plural(group.images.length)}
			</h2>
			<ul className="grid grid-cols-[repeat(auto-fill,minmax(12rem,1fr))] gap-3">
				{group.images.map((image) => {
					const suggested = image.id === group.keep
					const others = group.images.filter((other) => other.id !== image.id)
					return (
						<li
							key={image.id}
							className={`flex flex-col gap-2 rounded-lg border bg-white p-3 text-sm ${suggested ? 'border-emerald-500 ring-1 ring-emerald-500' : 'border-zinc-200'}`}
							data-testid="duplicate-image"
						>
							{image.thumbnailUrl ? (
								<img
									src={image.thumbnailUrl}
									alt=""
									width={192}
									height={192}
									className="aspect-square w-full rounded object-contain"
								/>
							) : (
								<span className="aspect-square w-full rounded bg-zinc-100" aria-hidden="true" />
							)}
							<Link to={`/images/${image.id}`} className="font-medium break-all underline">
								{image.filename}
							</Link>
							<dl className="grid grid-cols-[auto_1fr] gap-x-2 text-zinc-700">
								<dt>Size</dt>
								<dd>
									{image.width}×{image.height} · {formatBytes(image.byteSize)}
								</dd>
								<dt>Uploaded</dt>
								<dd>
									<Time iso={image.createdAt} />
								</dd>
								<dt>Match</dt>
								<dd>
									{image.identical
										? 'same file'
										: image.distance === 0
											? 'looks the same'
											: `${image.distance} bits apart`}
								</dd>
							</dl>
							{suggested ? <p className="font-medium text-emerald-800">Suggested: keep</p> : null}
							<Form method="post" className="mt-auto">
								<input
									type="hidden"
									name="group"
									value={asField(
										image.id,
										others.map((other) => other.id),
									)}
								/>
								<button
									type="submit"
									className={suggested ? buttonClass : secondaryButtonClass}
									disabled={busy}
								>
									Keep this, move the others to Trash
									<span className="sr-only"> ({image.filename})</span>
								</button>
							</Form>
						</li>
					)
				})}
			</ul>
		</li>
	)
}
