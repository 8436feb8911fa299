import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { requirePageAdmin } from '#app/admin/auth.server'
import { queueOverview, retryJob } from '#app/admin/jobs.server'
import { Time } from '#app/components/time'
import { secondaryButtonClass } from '#app/components/ui'
import { usePoll } from '#app/components/use-poll'

export const meta: MetaFunction = () => [{ title: 'Jobs · Darkroom' }]

export async function loader(args: LoaderFunctionArgs) {
	const { user } = await requirePageAdmin(args)
	return queueOverview(user.id)
}

export async function action(args: ActionFunctionArgs) {
	const { request } = args
	await requirePageAdmin(args)
	const jobId = String((await request.formData()).get('jobId') ?? '')
	if (/^\d+$/.test(jobId)) await retryJob(jobId)
	return redirect('/admin/jobs')
}

const when = (date: Date | string | null) =>
	date ? <Time iso={new Date(date).toISOString()} /> : '–'

export default function AdminJobs() {
	const { depth, running, failed } = useLoaderData<typeof loader>()
	usePoll(true, 3000)
	return (
		<div className="space-y-8">
			<h1 className="text-2xl font-semibold">Jobs</h1>
			<section aria-labelledby="depth-heading">
				<h2 id="depth-heading" className="mb-2 text-lg font-semibold">
					Waiting
				</h2>
				{depth.length ? (
					<table className="text-sm" data-testid="queue-depth">
						<thead className="text-left text-zinc-500">
							<tr>
								<th className="pr-6 font-medium">Task</th>
								<th className="pr-6 font-medium">Waiting</th>
								<th className="font-medium">Oldest</th>
							</tr>
						</thead>
						<tbody>
							{depth.map((row) => (
								<tr key={row.task}>
									<td className="pr-6">{row.task}</td>
									<td className="pr-6">{row.waiting}</td>
									<td>{Math.round(row.oldestSeconds ?? 0)} s</td>
								</tr>
							))}
						</tbody>
					</table>
				) : (
					<p className="text-zinc-600">No jobs are waiting.</p>
				)}
			</section>
			<JobTable title="Running" jobs={running} testId="running-jobs" />
			<JobTable title="Failed" jobs={failed} testId="failed-jobs" retry />
		</div>
	)
}

type Job = ReturnType<typeof useLoaderData<typeof loader>>['failed'][number]

function JobTable({
	title,
	jobs,
	testId,
	retry = false,
}: {
	title: string
	jobs: Job[]
	testId: string
	retry?: boolean
}) {
	return (
		<section aria-label={title}>
			<h2 className="mb-2 text-lg font-semibold">{title}</h2>
			{jobs.length === 0 ? (
				<p className="text-zinc-600">None.</p>
			) : (
				<ul className="space-y-2" data-testid={testId}>
					{jobs.map((job) => (
						<li key={job.id} className="rounded-lg border border-zinc-200 bg-white p-3 text-sm">
							<div className="flex flex-wrap items-center gap-x-4 gap-y-1">
								<span className="font-medium">
									#{job.id} {job.task}
								</span>
								{job.imageId ? <JobImage job={job} /> : null}
								<span className="text-zinc-600">
									attempts {job.attempts}/{job.maxAttempts}
								</span>
								<span className="text-zinc-600">
									{retry ? <>created {when(job.createdAt)}</> : <>since {when(job.lockedAt)}</>}
								</span>
								{retry ? (
									<Form method="post" className="ml-auto">
										<input type="hidden" name="jobId" value={job.id} />
										<button type="submit" className={secondaryButtonClass}>
											Retry
										</button>
									</Form>
								) : null}
							</div>
							{job.lastError ? (
								<pre className="mt-2 max-h-32 overflow-auto rounded bg-zinc-50 p-2 text-xs whitespace-pre-wrap text-red-800">
									{job.lastError}
								</pre>
							) : null}
						</li>
					))}
				</ul>
			)}
		</section>
	)
}

/**
 * The image a job is about: its name, a link when it is the admin's own; others'
 * images are private to their owners, so plain text (with the id, to tell them apart).
 */
function JobImage({ job }: { job: Job }) {
	if (job.filename === null) {
		return <span className="text-zinc-600">image {job.imageId} (gone)</span>
	}
	return (
		<span className="min-w-0 wrap-anywhere text-zinc-600" data-image-id={job.imageId}>
			{job.ownImage ? (
				<Link to={`/images/${job.imageId}`} className="font-medium text-indigo-700 underline">
					{job.filename}
				</Link>
			) : (
				<span className="font-medium text-zinc-800">{job.filename}</span>
			)}{' '}
			<span className="text-xs">({job.imageId})</span>
		</span>
	)
}
