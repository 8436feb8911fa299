import { useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'

/** Re-runs the page's loaders every `ms` while `active`, so status changes appear. */
export function usePoll(active: boolean, ms = 1000) {
	const { revalidate, state } = useRevalidator()
	// Not during a navigation or submission: revalidate() would restart its
	// loading without the action's result (see useLiveStatus).
	const navigationState = useNavigation().state
	useEffect(() => {
		if (!active || state !== 'idle' || navigationState !== 'idle') return
		const timer = setTimeout(revalidate, ms)
		return () => clearTimeout(timer)
	}, [active, ms, revalidate, state, navigationState])
}
