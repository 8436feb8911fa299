import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { recordAudit } from '#app/admin/audit.server'
import { requirePageAdmin } from '#app/admin/auth.server'
import { backupOverview, requestBackup } from '#app/backup/runs.server'
import { Alert, buttonClass, StatusBadge, TableScroll } from '#app/components/ui'
import { Time } from '#app/components/time'
import { usePoll } from '#app/components/use-poll'
import { db } from '#app/db.server'
import { formatBytes } from '#app/format'

export const meta: MetaFunction = () => [{ title: 'Backups · Darkroom' }]

export async function loader(args: LoaderFunctionArgs) {
	await requirePageAdmin(args)
	return backupOverview()
}

export async function action(args: ActionFunctionArgs) {
	const { user } = await requirePageAdmin(args)
	// The job and its audit entry commit together.
	await db.transaction(async (tx) => {
		await requestBackup(tx, user.id)
		await recordAudit(
			args,
			{ action: 'backup.start', actor: user, target: { type: 'backup', id: 'now' } },
			tx,
		)
	})
	return redirect('/admin/backups?started=1')
}

type Overview = Awaited<ReturnType<typeof backupOverview>>
type Run = Overview['runs'][number]

const TRIGGER_LABELS: Record<Run['trigger'], string> = {
	schedule: 'Schedule',
	admin: 'Admin',
	command: 'Command',
}

const iso = (date: Date | string) => new Date(date).toISOString()

export default function AdminBackups() {
	const overview = useLoaderData<typeof loader>()
	const { lastSuccess, runs, overdue, schedule } = overview
	const starting = useNavigation().state === 'submitting'
	const [params] = useSearchParams()
	const running = runs.some((run) => run.outcome === 'running')
	// While a run is under way (or was just asked for), its end appears without a reload.
	usePoll(running || params.has('started'), 2000)
	return (
		<div className="space-y-8">
			<div className="max-w-2xl space-y-2">
				<h1 className="text-2xl font-semibold">Backups</h1>
				<p className="text-sm text-zinc-700">
					A backup is one archive of every account, image record and setting, with the stored files,
					taken while Darkroom keeps serving. Restore one with{' '}
					<code>npm run restore -- ARCHIVE</code> (docs/deploy.md).
				</p>
			</div>
			<div className="space-y-4 empty:hidden">
				{overdue ? (
					<Alert>
						{lastSuccess ? (
							<>
								The last successful backup finished <Time iso={iso(lastSuccess.finishedAt!)} />,
								longer ago than the schedule promises: check the failed runs below.
							</>
						) : (
							'No backup has been made yet.'
						)}
					</Alert>
				) : null}
				{params.has('started') ? (
					<Alert tone="info">Backup queued: its run appears below, and how it ended.</Alert>
				) : null}
			</div>
			<Settings overview={overview} />
			<Form method="post">
				<button type="submit" className={buttonClass} disabled={starting || running}>
					{running ? 'Backup under way…' : starting ? 'Queuing…' : 'Back up now'}
				</button>
			</Form>
			<section aria-labelledby="runs-heading" className="space-y-3">
				<h2 id="runs-heading" className="text-lg font-semibold">
					Recent runs
				</h2>
				{runs.length === 0 ? (
					<p className="text-sm text-zinc-600">
						No backups yet{schedule ? '' : ': none is scheduled'}.
					</p>
				) : (
					<TableScroll label="Backup runs">
						<table className="w-full text-left text-sm" data-testid="backup-runs">
							<caption className="sr-only">Backup runs, newest first</caption>
							<thead className="text-zinc-600">
								<tr>
									{['Started', 'Started by', 'Outcome', 'Size', 'Took', 'Archive or error'].map(
										(column) => (
											<th key={column} scope="col" className="py-2 pr-4 font-medium">
												{column}
											</th>
										),
									)}
								</tr>
							</thead>
							<tbody>
								{runs.map((run) => (
									<RunRow key={run.id} run={run} />
								))}
							</tbody>
						</table>
					</TableScroll>
				)}
			</section>
		</div>
	)
}

function Settings({ overview }: { overview: Overview }) {
	const { schedule, target, keep, objects, lastSuccess } = overview
	return (
		<dl className="grid max-w-2xl grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
			<dt className="text-zinc-600">Last success</dt>
			<dd data-testid="last-backup">
				{lastSuccess ? (
					<>
						<Time iso={iso(lastSuccess.finishedAt!)} /> · {formatBytes(lastSuccess.bytes ?? 0)}
						<span className="block break-all text-zinc-600">{lastSuccess.location}</span>
					</>
				) : (
					'Never'
				)}
			</dd>
			<dt className="text-zinc-600">Schedule</dt>
			<dd>
				{schedule ? (
					<>
						<code>{schedule}</code> (UTC)
					</>
				) : (
					<>
						None: set <code>BACKUP_SCHEDULE</code>, e.g. <code>0 3 * * *</code> for 03:00 UTC daily
					</>
				)}
			</dd>
			<dt className="text-zinc-600">Target</dt>
			<dd className="break-all">{target}</dd>
			<dt className="text-zinc-600">Keeps</dt>
			<dd>
				The newest {keep} archive{keep === 1 ? '' : 's'}, {objects ? 'with' : 'without'} the stored
				files
			</dd>
		</dl>
	)
}

function RunRow({ run }: { run: Run }) {
	return (
		<tr className="border-t border-zinc-200 align-top" data-testid="backup-run">
			<th scope="row" className="py-2 pr-4 font-medium whitespace-nowrap">
				<Time iso={iso(run.startedAt)} />
			</th>
			<td className="py-2 pr-4">{TRIGGER_LABELS[run.trigger]}</td>
			<td className="py-2 pr-4" data-testid="backup-outcome">
				<StatusBadge status={run.outcome} />
			</td>
			<td className="py-2 pr-4 whitespace-nowrap">
				{run.bytes === null ? '–' : formatBytes(run.bytes)}
			</td>
			<td className="py-2 pr-4 whitespace-nowrap">
				{run.durationMs === null ? '–' : `${(run.durationMs / 1000).toFixed(1)} s`}
			</td>
			<td className="py-2 text-zinc-700">{run.error ?? run.name}</td>
		</tr>
	)
}
