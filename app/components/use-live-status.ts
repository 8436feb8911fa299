import { useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { usePoll } from '#app/components/use-poll'

const POLL_MS = 1000
/** Events closer together than this share one reload. */
const BURST_MS = 100
/** A stream the server refused (401, 429, 503) is not retried by EventSource itself. */
const REOPEN_MS = 5000

/**
 * Keeps the page's data current while `active`: an EventSource on
 * /api/events re-runs the loaders whenever one of the user's images changes.
 * While the stream is down (or EventSource is missing) the loaders are re-run
 * every second instead, but only while `pollWhenDown`, so a page with nothing
 * in progress does not poll.
 */
export function useLiveStatus(active: boolean, pollWhenDown = active) {
	const { revalidate } = useRevalidator()
	const [streamOpen, setStreamOpen] = useState(false)
	const refresh = useBurstRevalidation(revalidate)

	useEffect(() => {
		if (!active || typeof EventSource === 'undefined') return
		let source: EventSource | undefined
		let reopenTimer: ReturnType<typeof setTimeout> | undefined
		const open = () => {
			source = new EventSource('/api/events')
			// Events may have been missed while the stream was down.
			source.onopen = () => {
				setStreamOpen(true)
				refresh()
			}
			source.addEventListener('image', refresh)
			source.addEventListener('resync', refresh)
			source.onerror = () => {
				setStreamOpen(false)
				// CONNECTING: the browser retries by itself. CLOSED: it gave up; try again later.
				if (source?.readyState === EventSource.CLOSED) {
					source.close()
					reopenTimer = setTimeout(open, REOPEN_MS)
				}
			}
		}
		open()
		return () => {
			clearTimeout(reopenTimer)
			source?.close()
			setStreamOpen(false)
		}
	}, [active, refresh])

	// The fallback while the stream is not open: the plain one-second poll.
	usePoll(pollWhenDown && !streamOpen, POLL_MS)
}

/**
 * A revalidate that turns a burst of events (an upload's insert, processing,
 * completed…) into one reload. Each call schedules a reload at most BURST_MS
 * later unless one is already scheduled, so every event is followed by a
 * reload that starts after it; a reload started while another is in flight
 * replaces it, so the last one always sees the latest state. (An earlier
 * version waited for the revalidator to go back to "idle", and under a
 * transition React may never render the "loading" in between: the last event
 * of a burst was then dropped and the page stayed stale.)
 *
 * While a navigation or form submission is under way the reload waits for it
 * to end: the router's revalidate() restarts a submission's loading without
 * its action result, so the page lost the answer ("Processing 1 image
 * again.") of an action that had been done.
 */
function useBurstRevalidation(revalidate: () => void) {
	const latest = useRef(revalidate)
	latest.current = revalidate
	const navigationState = useNavigation().state
	const busy = useRef(navigationState !== 'idle')
	busy.current = navigationState !== 'idle'
	const deferred = useRef(false)
	const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
	useEffect(() => () => clearTimeout(timer.current), [])
	useEffect(() => {
		if (navigationState !== 'idle' || !deferred.current) return
		deferred.current = false
		latest.current()
	}, [navigationState])
	// Stable, so the EventSource is not reopened on every render.
	const [refresh] = useState(() => () => {
		if (timer.current !== undefined) return
		timer.current = setTimeout(() => {
			timer.current = undefined
			if (busy.current) deferred.current = true
			else latest.current()
		}, BURST_MS)
	})
	return refresh
}
