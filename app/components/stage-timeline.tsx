import type { ReactNode } from 'react'
import { StatusBadge } from '#app/components/ui'
import { durationBetween, formatDuration, Time } from './time'

export type StageTimes = {
	createdAt: string
	processingStartedAt: string | null
	processedAt: string | null
	aiCompletedAt: string | null
}

type Props = {
	times: StageTimes
	status: 'pending' | 'processing' | 'completed' | 'failed'
	aiStatus: 'pending' | 'processing' | 'completed' | 'failed' | 'skipped'
	error: string | null
	aiError: string | null
}

type State = 'done' | 'working' | 'waiting' | 'failed' | 'skipped'

/**
 * Upload → image stage → AI stage, in order, with when each happened and how
 * long it took. The statuses decide what a stage shows: after "process again"
 * the timestamps of the previous run are still in the row and must not be
 * presented as the current run's.
 */
export function StageTimeline({ times, status, aiStatus, error, aiError }: Props) {
	const imageDuration =
		status === 'completed' ? durationBetween(times.processingStartedAt, times.processedAt) : null
	const aiDuration =
		aiStatus === 'completed' ? durationBetween(times.processedAt, times.aiCompletedAt) : null

	return (
		<ol className="space-y-4" aria-label="Processing stages" data-testid="timeline">
			<Stage name="Uploaded" state="done" testId="stage-upload">
				<Time iso={times.createdAt} />
			</Stage>

			<Stage
				name="Image processing"
				state={stateOf(status)}
				badge={<StatusBadge status={status} />}
				badgeTestId="image-status"
				testId="stage-image"
			>
				{status === 'pending' ? <p>Waiting for a worker</p> : null}
				{status !== 'pending' && times.processingStartedAt ? (
					<p>
						Started <Time iso={times.processingStartedAt} />
					</p>
				) : null}
				{status === 'completed' && times.processedAt ? (
					<p>
						Finished <Time iso={times.processedAt} />
						{imageDuration !== null ? (
							<>
								{' · '}
								<Duration ms={imageDuration} />
							</>
						) : null}
					</p>
				) : null}
				{status === 'failed' ? (
					<p role="alert" className="text-red-700">
						Failed: {error ?? 'unknown reason'}
					</p>
				) : null}
			</Stage>

			<Stage
				name="AI analysis"
				state={stateOf(aiStatus)}
				badge={<StatusBadge status={aiStatus} />}
				badgeTestId="ai-status"
				testId="stage-ai"
			>
				{aiStatus === 'pending' ? (
					<p>{status === 'failed' ? 'Not run: image processing failed' : 'Waiting'}</p>
				) : null}
				{aiStatus === 'processing' ? <p>Analysing…</p> : null}
				{aiStatus === 'completed' && times.aiCompletedAt ? (
					<p>
						Finished <Time iso={times.aiCompletedAt} />
						{aiDuration !== null ? (
							<>
								{' · '}
								<Duration ms={aiDuration} />
							</>
						) : null}
					</p>
				) : null}
				{aiStatus === 'skipped' ? <p>Skipped{aiError ? `: ${aiError}` : ''}</p> : null}
				{/* Completed with an error: the analysis stands, its search embedding failed. */}
				{aiStatus === 'completed' && aiError ? <p className="text-amber-800">{aiError}</p> : null}
				{aiStatus === 'failed' ? (
					<p className="text-red-700">Failed: {aiError ?? 'unknown reason'}</p>
				) : null}
			</Stage>
		</ol>
	)
}

function stateOf(status: string): State {
	if (status === 'completed') return 'done'
	if (status === 'processing') return 'working'
	if (status === 'failed') return 'failed'
	if (status === 'skipped') return 'skipped'
	return 'waiting'
}

const icons: Record<State, { symbol: string; className: string }> = {
	done: { symbol: '✓', className: 'bg-emerald-600 text-white' },
	working: { symbol: '…', className: 'bg-amber-500 text-white animate-pulse' },
	waiting: { symbol: '○', className: 'bg-zinc-200 text-zinc-700' },
	failed: { symbol: '✕', className: 'bg-red-600 text-white' },
	skipped: { symbol: '–', className: 'bg-zinc-200 text-zinc-700' },
}

function Stage({
	name,
	state,
	badge,
	badgeTestId,
	testId,
	children,
}: {
	name: string
	state: State
	badge?: ReactNode
	badgeTestId?: string
	testId: string
	children: ReactNode
}) {
	const icon = icons[state]
	return (
		<li className="flex gap-3" data-testid={testId} data-state={state}>
			<span
				aria-hidden
				className={`mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full text-xs font-bold ${icon.className}`}
			>
				{icon.symbol}
			</span>
			<div className="min-w-0 flex-1 text-sm">
				<div className="flex flex-wrap items-center gap-2">
					<h3 className="font-medium text-zinc-900">{name}</h3>
					{badge ? <span data-testid={badgeTestId}>{badge}</span> : null}
				</div>
				<div className="mt-0.5 space-y-0.5 text-zinc-700">{children}</div>
			</div>
		</li>
	)
}

function Duration({ ms }: { ms: number }) {
	return (
		<span className="font-medium text-zinc-900" data-testid="duration">
			took {formatDuration(ms)}
		</span>
	)
}
