import type { useLoaderData } from '@remix-run/react'
import { CopyButton } from '#app/components/copy-button'
import { TagLink } from '#app/components/ui'
import type { loader } from '#app/routes/_app.images.$id/route'
import { Section } from './section'

type Ai = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['image']['ai']>

export function AnalysisSection({ ai }: { ai: Ai }) {
	return (
		<Section title="Analysis">
			<div className="space-y-3 text-sm" data-testid="analysis">
				{ai.summary ? <p>{ai.summary}</p> : null}
				{ai.tags.length ? (
					<ul className="flex flex-wrap gap-1.5" aria-label="Tags">
						{ai.tags.map((tag) => (
							<li key={tag}>
								<TagLink tag={tag} />
							</li>
						))}
					</ul>
				) : null}
				{ai.ocrText ? (
					<div>
						<div className="mb-1 flex items-center justify-between">
							<h3 className="font-medium">Text in the image</h3>
							<CopyButton text={ai.ocrText} />
						</div>
						<pre
							className="max-h-48 overflow-auto rounded bg-zinc-50 p-2 font-sans text-xs whitespace-pre-wrap"
							data-testid="ocr-text"
						>
							{ai.ocrText}
						</pre>
					</div>
				) : null}
				<p data-testid="safety">
					{ai.safety.flagged ? (
						<span className="font-medium text-red-700">
							Flagged{ai.safety.categories.length ? `: ${ai.safety.categories.join(', ')}` : ''}
						</span>
					) : (
						<span className="text-emerald-800">Not flagged</span>
					)}
					<span className="text-zinc-600">
						{' '}
						·{' '}
						{ai.safety.source === 'moderation'
							? 'moderation check'
							: ai.safety.source === 'model'
								? "model's own assessment"
								: 'no safety check'}
					</span>
				</p>
				<p className="text-xs text-zinc-600" data-testid="ai-cost">
					{ai.model} · {ai.inputTokens.toLocaleString('en')} in /{' '}
					{ai.outputTokens.toLocaleString('en')} out tokens · ${ai.costUsd.toFixed(6)}
				</p>
			</div>
		</Section>
	)
}
