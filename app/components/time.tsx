import { useEffect, useState } from 'react'

const utcFormat = new Intl.DateTimeFormat('en-GB', {
	dateStyle: 'medium',
	timeStyle: 'medium',
	timeZone: 'UTC',
})

/** A fixed-zone rendering: the same text on the server and in the browser. */
export const formatUtc = (iso: string) => utcFormat.format(new Date(iso))

/**
 * A moment in time. The server renders it in UTC (it does not know the
 * reader's zone); once the page runs, it switches to the reader's local time.
 * Rendering local time straight away would differ between server and browser
 * and break hydration.
 */
export function Time({ iso }: { iso: string }) {
	const [local, setLocal] = useState<string | null>(null)
	useEffect(() => {
		setLocal(new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }))
	}, [iso])
	return (
		<time dateTime={iso} title={iso}>
			{local ?? `${formatUtc(iso)} UTC`}
		</time>
	)
}

/** "0.42 s", "12.3 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number) {
	const seconds = ms / 1000
	if (seconds < 10) return `${seconds.toFixed(2)} s`
	if (seconds < 60) return `${seconds.toFixed(1)} s`
	const minutes = Math.floor(seconds / 60)
	if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`
	return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** The time between two ISO instants, or null when either is missing or they are out of order. */
export function durationBetween(from: string | null, to: string | null) {
	if (!from || !to) return null
	const ms = Date.parse(to) - Date.parse(from)
	return ms >= 0 ? ms : null
}
