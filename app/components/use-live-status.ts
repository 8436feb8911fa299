import { useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { usePoll } from '~/components/use-poll'

const POLL_MS = 1000
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
	const { revalidate, state } = useRevalidator()
	const [streamOpen, setStreamOpen] = useState(false)
	const refresh = useCoalescedRevalidation(revalidate, state)

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
 * A revalidate that coalesces bursts: at most one revalidation in flight and
 * one more pending, however many events arrive meanwhile.
 */
function useCoalescedRevalidation(revalidate: () => void, state: 'idle' | 'loading') {
	const pending = useRef(false)
	const latest = useRef({ revalidate, state })
	latest.current = { revalidate, state }

	useEffect(() => {
		if (state === 'idle' && pending.current) {
			pending.current = false
			latest.current.state = 'loading'
			revalidate()
		}
	}, [state, revalidate])

	// Stable, so the EventSource is not reopened on every render.
	const [refresh] = useState(() => () => {
		if (latest.current.state !== 'idle') {
			pending.current = true
			return
		}
		// Counts as in flight at once: the next event may come before React re-renders.
		latest.current.state = 'loading'
		latest.current.revalidate()
	})
	return refresh
}
