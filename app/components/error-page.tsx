import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react'

/** What a reader sees for the error a route threw: a title and one sentence, never a stack. */
export function describeError(error: unknown) {
	if (!isRouteErrorResponse(error)) {
		return {
			status: 500,
			title: 'Something went wrong',
			detail:
				'An unexpected error happened on our side. It has been logged; please try again in a moment.',
		}
	}
	if (error.status === 404) {
		return {
			status: 404,
			title: 'Page not found',
			detail: 'There is nothing at this address. It may have been deleted, or the link is wrong.',
		}
	}
	// Our own thrown responses carry a sentence meant for readers; nothing else is shown.
	const detail = typeof error.data === 'string' && error.status < 500 ? error.data : ''
	return { status: error.status, title: `${error.status} ${error.statusText}`.trim(), detail }
}

/**
 * The body of a 404 or 500 page: inside the app's layout for signed-in users
 * (routes/_app.tsx), in a plain public shell otherwise (root.tsx).
 */
export function ErrorPage() {
	const { status, title, detail } = describeError(useRouteError())
	return (
		<section aria-labelledby="error-heading" className="mx-auto max-w-xl py-8">
			{/* The route's meta is not rendered for errors; the page still needs a title. */}
			<title>{`${title} · Darkroom`}</title>
			<p className="text-sm font-medium text-zinc-600">Error {status}</p>
			<h1 id="error-heading" className="mt-1 text-2xl font-semibold">
				{title}
			</h1>
			{detail ? <p className="mt-2 text-zinc-700">{detail}</p> : null}
			<Link to="/images" className="mt-6 inline-block text-indigo-700 underline">
				Back to your images
			</Link>
		</section>
	)
}
