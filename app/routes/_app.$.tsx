import type { LoaderFunctionArgs } from '@remix-run/node'

// Any address no other page matches, for a signed-in user (the layout's
// loader signs others in first): a 404 inside the layout, from its ErrorBoundary.
export function loader(_args: LoaderFunctionArgs) {
	throw new Response('Not found', { status: 404 })
}

// Never rendered (the loader always throws), but a route needs a component
// for its errors to render inside the layout rather than replace it.
export default function NotFound() {
	return null
}
