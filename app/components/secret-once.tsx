import type { ReactNode } from 'react'
import { CopyButton } from './copy-button'

/**
 * A secret the server shows exactly once (an API token, a webhook's signing
 * secret): prominent, selectable, with a copy button, and a note saying so.
 */
export function SecretOnce({
	heading,
	secret,
	copyLabel,
	testId,
	children,
}: {
	heading: string
	secret: string
	copyLabel: string
	/** data-testid of the box; the secret's own is `${testId}-value`. */
	testId: string
	/** What it is for and that it will not be shown again. */
	children: ReactNode
}) {
	return (
		<section
			aria-label={heading}
			className="space-y-3 rounded-xl border-2 border-emerald-600 bg-emerald-50 p-5"
			data-testid={testId}
		>
			<h2 className="text-lg font-semibold text-emerald-900">{heading}</h2>
			<p className="text-sm font-medium text-emerald-900">{children}</p>
			<div className="flex flex-wrap items-center gap-3">
				<code
					className="rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-sm break-all text-zinc-900 select-all"
					data-testid={`${testId}-value`}
				>
					{secret}
				</code>
				<CopyButton text={secret} label={copyLabel} />
			</div>
		</section>
	)
}
