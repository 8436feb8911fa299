import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import {
	Form,
	Link,
	useActionData,
	useLoaderData,
	useLocation,
	useNavigation,
} from '@remix-run/react'
import { z } from 'zod'
import { requirePageUser } from '#app/auth/auth.server'
import { DeleteConfirm } from '#app/components/delete-confirm'
import { Time } from '#app/components/time'
import { Alert, Pager, secondaryButtonClass } from '#app/components/ui'
import { config } from '#app/config.server'
import { formAction } from '#app/forms.server'
import { plural } from '#app/format'
import { parseInput } from '#app/validation'
import { limitRequest } from '#app/rate-limit.server'
import { baseUrlOf, currentSigningWindow } from '#app/images/present.server'
import {
	emptyTrash,
	listTrash,
	presentTrashItem,
	restoreImages,
	trashQuerySchema,
} from '#app/images/trash.server'
import { backTo, MAX_IDS } from '#app/images/undo'

export const meta: MetaFunction = () => [{ title: 'Trash · Darkroom' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	const { user } = await requirePageUser({ request, context })
	const params = new URL(request.url).searchParams
	const query = trashQuerySchema.safeParse(Object.fromEntries(params))
	const { rows, ...page } = await listTrash(user.id, query.data ?? { page: 1, pageSize: 20 })
	const signing = { baseUrl: baseUrlOf(request), window: currentSigningWindow() }
	return {
		items: await Promise.all(rows.map((row) => presentTrashItem(row, signing))),
		...page,
		trashDays: config.trashDays,
		// Without JavaScript, "Empty trash" asks here first (?confirm=empty).
		confirmEmpty: params.get('confirm') === 'empty',
		restored: Number(params.get('restored') ?? 0) || 0,
		purged: params.has('purged') ? Number(params.get('purged')) || 0 : null,
	}
}

const formSchema = z.discriminatedUnion('intent', [
	z.object({
		intent: z.literal('restore'),
		id: z.array(z.string()).min(1).max(MAX_IDS),
		back: z.string().optional(),
	}),
	z.object({ intent: z.literal('empty') }),
])

// Storage down (503, nothing changed), rate limited: the message on the page.
export const action = (args: ActionFunctionArgs) =>
	formAction({ message: (error) => `${error.message} Nothing changed; please try again.` }, () =>
		trashAction(args),
	)

async function trashAction(args: ActionFunctionArgs) {
	const { user } = await requirePageUser(args)
	await limitRequest(args, 'process', user.id)
	const form = await args.request.formData()
	const input = parseInput(formSchema, {
		intent: form.get('intent'),
		id: form.getAll('id'),
		back: form.get('back') ?? undefined,
	})
	if (input.intent === 'empty') return redirect(`/trash?purged=${await emptyTrash(user.id)}`)
	// Restored already (Undo pressed twice, another tab) is no reason to fail.
	const restored = await restoreImages(user.id, input.id, { skipMissing: true })
	// Undo returns to the gallery page it came from; the Trash page stays.
	if (input.back !== undefined) return redirect(backTo(input.back))
	return redirect(`/trash?restored=${restored.length}`)
}

export default function Trash() {
	const { items, total, page, totalPages, trashDays, confirmEmpty, restored, purged } =
		useLoaderData<typeof loader>()
	const failed = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const { pathname } = useLocation()
	const emptyText = {
		title: `Empty the trash?`,
		body: `${plural(total)} and all their files are removed for good. This cannot be undone.`,
		confirm: 'Empty trash',
	}
	return (
		<section aria-labelledby="trash-heading" className="space-y-4">
			<div className="flex flex-wrap items-end justify-between gap-3">
				<h1 id="trash-heading" className="text-lg font-semibold">
					Trash <span className="font-normal text-zinc-600">({total})</span>
				</h1>
				{total > 0 && !confirmEmpty ? (
					<Form method="get" action={pathname}>
						<input type="hidden" name="confirm" value="empty" />
						<DeleteConfirm
							label="Empty trash"
							fields={() => [['intent', 'empty']]}
							postAction="/trash"
							text={() => emptyText}
							disabled={busy}
						/>
					</Form>
				) : null}
			</div>
			<p className="text-sm text-zinc-700">
				{trashDays === 0
					? 'Deleted images are removed at once (TRASH_DAYS=0).'
					: `Deleted images stay here for ${trashDays} ${trashDays === 1 ? 'day' : 'days'}, then they and their files are removed for good.`}
			</p>
			{failed ? <Alert>{failed.error}</Alert> : null}
			{restored > 0 ? (
				<Alert tone="info">
					Restored {plural(restored)}: {restored === 1 ? 'it is' : 'they are'} back in{' '}
					<Link to="/images" className="underline">
						your images
					</Link>
					.
				</Alert>
			) : null}
			{purged !== null ? <Alert tone="info">Removed {plural(purged)} for good.</Alert> : null}
			{confirmEmpty && total > 0 ? (
				<Form
					method="post"
					className="space-y-3 rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900"
					data-testid="confirm-empty"
				>
					<h2 className="font-semibold">{emptyText.title}</h2>
					<p>{emptyText.body}</p>
					<div className="flex flex-wrap gap-2">
						<button
							type="submit"
							name="intent"
							value="empty"
							autoFocus
							className="inline-flex items-center justify-center rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
						>
							{emptyText.confirm}
						</button>
						<Link to="/trash" className={secondaryButtonClass}>
							Cancel
						</Link>
					</div>
				</Form>
			) : null}
			{items.length === 0 ? (
				<div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center text-zinc-600">
					The trash is empty.
				</div>
			) : (
				<ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 bg-white">
					{items.map((item) => (
						<li
							key={item.id}
							className="flex flex-wrap items-center gap-3 p-3 text-sm"
							data-testid="trash-item"
						>
							{item.thumbnailUrl ? (
								<img
									src={item.thumbnailUrl}
									alt=""
									width={48}
									height={48}
									className="size-12 rounded object-cover"
								/>
							) : (
								<span className="size-12 rounded bg-zinc-100" aria-hidden="true" />
							)}
							<div className="min-w-0 flex-1">
								<p className="font-medium break-all">{item.filename}</p>
								<p className="text-zinc-700">
									Deleted <Time iso={item.deletedAt} /> · removed for good{' '}
									<Time iso={item.expiresAt} />
								</p>
							</div>
							<Form method="post">
								<input type="hidden" name="intent" value="restore" />
								<input type="hidden" name="id" value={item.id} />
								<button
									type="submit"
									className={secondaryButtonClass}
									disabled={busy}
									aria-label={`Restore ${item.filename}`}
								>
									Restore
								</button>
							</Form>
						</li>
					))}
				</ul>
			)}
			<Pager page={page} totalPages={totalPages} linkTo={(n) => `?page=${n}`} />
		</section>
	)
}
