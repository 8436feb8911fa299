import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, useLoaderData, useSearchParams } from '@remix-run/react'
import { backfillRunKinds, type BackfillKind } from '#db/statuses'
import { recordAudit } from '#app/admin/audit.server'
import { requirePageAdmin } from '#app/admin/auth.server'
import {
	backfillKinds,
	backfillProgress,
	BackfillUnavailableError,
	cancelBackfill,
	missingCounts,
	startBackfill,
} from '#app/backfill/runs.server'
import { Alert, buttonClass, secondaryButtonClass } from '#app/components/ui'
import { Time } from '#app/components/time'
import { usePoll } from '#app/components/use-poll'
import { isUuid } from '#app/validation'

// Admin → Search index: backfills of perceptual hashes and search embeddings
// for images processed before those existed, with progress, cost and cancel.

export const meta: MetaFunction = () => [{ title: 'Search index · Darkroom' }]

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	const [runs, missing] = await Promise.all([backfillProgress(), missingCounts()])
	return {
		kinds: backfillRunKinds.map((kind) => ({
			kind,
			label: backfillKinds[kind].label,
			missing: missing[kind],
			unavailable: missing[kind] === null ? backfillKinds[kind].unavailable : null,
			run: runs.find((run) => run.kind === kind) ?? null,
		})),
	}
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageAdmin(args)
	const form = await args.request.formData()
	const kind = String(form.get('kind') ?? '') as BackfillKind
	if (!backfillRunKinds.includes(kind)) return redirect('/admin/search')
	if (form.get('intent') === 'cancel') {
		const runId = String(form.get('runId') ?? '')
		if (!isUuid(runId)) return redirect('/admin/search')
		await cancelBackfill(runId, (tx, run) =>
			recordAudit(
				args,
				{ action: 'backfill.cancel', actor: user, target: { type: 'backfill', id: run.id } },
				tx,
			),
		)
		return redirect('/admin/search')
	}
	try {
		await startBackfill(kind, user.id, (tx, runId) =>
			recordAudit(
				args,
				{
					action: 'backfill.start',
					actor: user,
					target: { type: 'backfill', id: runId },
					details: { kind },
				},
				tx,
			),
		)
	} catch (error) {
		if (!(error instanceof BackfillUnavailableError)) throw error
		return redirect(`/admin/search?unavailable=${kind}`)
	}
	return redirect('/admin/search')
}

const usd = (value: number) =>
	value.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 6 })

export default function AdminSearchIndex() {
	const { kinds } = useLoaderData<typeof loader>()
	const [params] = useSearchParams()
	usePoll(
		kinds.some((kind) => kind.run?.status === 'running'),
		2000,
	)
	const unavailable = kinds.find((kind) => kind.kind === params.get('unavailable'))
	return (
		<div className="space-y-6">
			<h1 className="text-2xl font-semibold">Search index</h1>
			<p className="max-w-prose text-zinc-600">
				New images get their perceptual hash and search embedding as they are processed. A backfill
				fills them in for older images, behind every upload, and can be cancelled at any time.
			</p>
			{unavailable?.unavailable ? <Alert tone="error">{unavailable.unavailable}</Alert> : null}
			{kinds.map((kind) => (
				<section
					key={kind.kind}
					aria-labelledby={`${kind.kind}-heading`}
					className="space-y-3 rounded-lg border border-zinc-200 bg-white p-4"
					data-testid={`backfill-${kind.kind}`}
				>
					<h2 id={`${kind.kind}-heading`} className="text-lg font-semibold">
						{kind.label}
					</h2>
					{kind.missing === null ? (
						<p className="text-zinc-600">{kind.unavailable}</p>
					) : (
						<p className="text-zinc-600">
							{kind.missing === 0
								? 'Every image has one.'
								: `${kind.missing.toLocaleString('en-US')} ${kind.missing === 1 ? 'image lacks' : 'images lack'} one.`}
						</p>
					)}
					{kind.run ? <RunProgress run={kind.run} /> : null}
					{kind.run?.status === 'running' ? (
						<Form method="post">
							<input type="hidden" name="kind" value={kind.kind} />
							<input type="hidden" name="runId" value={kind.run.id} />
							<button type="submit" name="intent" value="cancel" className={secondaryButtonClass}>
								Cancel backfill
							</button>
						</Form>
					) : kind.missing ? (
						<Form method="post">
							<input type="hidden" name="kind" value={kind.kind} />
							<button type="submit" name="intent" value="start" className={buttonClass}>
								Start backfill
							</button>
						</Form>
					) : null}
				</section>
			))}
		</div>
	)
}

type Run = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['kinds'][number]['run']>

const STATUS_LABELS: Record<Run['status'], string> = {
	running: 'Running',
	completed: 'Completed',
	cancelled: 'Cancelled',
}

function RunProgress({ run }: { run: Run }) {
	const label = `${run.kind}-progress`
	return (
		<div className="space-y-1 text-sm" data-testid="backfill-run">
			<p>
				<span className="font-medium">{STATUS_LABELS[run.status]}</span>, started{' '}
				<Time iso={new Date(run.createdAt).toISOString()} />
				{run.error ? <> ({run.error})</> : null}
			</p>
			<label htmlFor={label} className="block text-zinc-700">
				{run.done.toLocaleString('en-US')} of {run.total.toLocaleString('en-US')} done
				{run.failed ? `, ${run.failed.toLocaleString('en-US')} failed (Admin → Jobs)` : ''}
				{run.kind === 'embeddings' ? `; cost so far ${usd(run.costUsd)}` : ''}
			</label>
			<progress
				id={label}
				className="w-full max-w-md"
				value={run.done}
				max={Math.max(run.total, 1)}
			>
				{Math.round((run.done / Math.max(run.total, 1)) * 100)} %
			</progress>
		</div>
	)
}
