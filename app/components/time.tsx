import { useEffect, useState } from 'react'

export type TimeFormat = 'date-time' | 'date' | 'time'

// The one way the app shows a moment: the reader's locale, a medium date and
// the time to the minute; the exact ISO instant is in the title (on hover).
const localOptions: Record<TimeFormat, Intl.DateTimeFormatOptions> = {
	'date-time': { dateStyle: 'medium', timeStyle: 'short' },
	date: { dateStyle: 'medium' },
	time: { timeStyle: 'short' },
}

/**
 * What the server renders, and what stays without JavaScript: the reader's
 * zone is unknown there, so UTC, written as ISO 8601 is (`2026-12-05 07:12 UTC`).
 */
export function formatUtc(iso: string, format: TimeFormat = 'date-time', zoneLabel = ' UTC') {
	const [date, time = ''] = new Date(iso).toISOString().split('T')
	const minutes = time.slice(0, 5)
	if (format === 'date') return date!
	if (format === 'time') return `${minutes}${zoneLabel}`
	return `${date} ${minutes}${zoneLabel}`
}

/** The reader's rendering, in their locale and time zone (or UTC for a camera's clock). */
export const formatLocal = (iso: string, format: TimeFormat = 'date-time', cameraClock = false) =>
	new Date(iso).toLocaleString(undefined, {
		...localOptions[format],
		...(cameraClock ? { timeZone: 'UTC' } : {}),
	})

/**
 * A moment in time, in one format across the app. The server renders it in
 * UTC (it does not know the reader's zone); once the page runs, it switches to
 * the reader's locale and zone. Rendering local time straight away would
 * differ between server and browser and break hydration.
 * `cameraClock`: the time as a camera's clock read it (EXIF), shown as is in every zone.
 */
export function Time({
	iso,
	format = 'date-time',
	cameraClock = false,
}: {
	iso: string
	format?: TimeFormat
	cameraClock?: boolean
}) {
	const [local, setLocal] = useState<string | null>(null)
	useEffect(() => {
		setLocal(formatLocal(iso, format, cameraClock))
	}, [iso, format, cameraClock])
	return (
		<time dateTime={iso} title={iso}>
			{local ?? formatUtc(iso, format, cameraClock ? '' : ' UTC')}
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
