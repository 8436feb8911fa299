import { useEffect, useState } from 'react'

/** Copies `text` to the clipboard; rendered only once JavaScript runs, since it needs it. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
	const [ready, setReady] = useState(false)
	const [copied, setCopied] = useState(false)
	useEffect(() => setReady(true), [])
	if (!ready) return null
	return (
		<button
			type="button"
			className="rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100"
			onClick={async () => {
				await navigator.clipboard.writeText(text)
				setCopied(true)
				setTimeout(() => setCopied(false), 1500)
			}}
		>
			<span aria-live="polite">{copied ? 'Copied' : label}</span>
		</button>
	)
}
