import { useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'

/** Re-runs the page's loaders every `ms` while `active`, so status changes appear. */
export function usePoll(active: boolean, ms = 1000) {
	const { revalidate, state } = useRevalidator()
	useEffect(() => {
		if (!active || state !== 'idle') return
		const timer = setTimeout(revalidate, ms)
		return () => clearTimeout(timer)
	}, [active, ms, revalidate, state])
}
