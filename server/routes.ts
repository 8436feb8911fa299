import type { ServerBuild } from '@remix-run/node'
import { matchRoutes } from '@remix-run/react'

// Which Remix route a path goes to, decided before Remix runs: express needs
// it for the request histogram's label (the route's pattern, never the raw
// path) and to know which routes take upload-sized bodies. The matcher is
// Remix's own (react-router's matchRoutes over the build's route manifest).

export type MatchedRoute = {
	/** The leaf route's id, e.g. `routes/api.images.$id`. */
	id: string
	/** Its full path pattern, e.g. `/api/images/:id`. */
	pattern: string
}

type Manifest = ServerBuild['routes']
type RouteTree = Array<Parameters<typeof matchRoutes>[0][number] & { id: string }>

const trees = new WeakMap<Manifest, RouteTree>()

/**
 * matchRoutes flattens and ranks the whole tree on every call, which cost
 * about 4% of an upload's CPU: answers are kept per path, a bounded number
 * of them (paths carry ids), for each manifest. Long paths, which clients
 * choose, are matched afresh so the cache stays small.
 */
const MAX_REMEMBERED_PATHS = 1000
const MAX_REMEMBERED_PATH_LENGTH = 200
const remembered = new WeakMap<Manifest, Map<string, MatchedRoute | undefined>>()

/** The route `pathname` goes to, or undefined when no route matches (a 404). */
export function matchRoute(manifest: Manifest, pathname: string): MatchedRoute | undefined {
	if (pathname.length > MAX_REMEMBERED_PATH_LENGTH) return findRoute(manifest, pathname)
	let answers = remembered.get(manifest)
	if (!answers) remembered.set(manifest, (answers = new Map()))
	if (answers.has(pathname)) return answers.get(pathname)
	// Forget all at once: simpler than LRU, and refilling costs what no cache would.
	if (answers.size >= MAX_REMEMBERED_PATHS) answers.clear()
	const route = findRoute(manifest, pathname)
	answers.set(pathname, route)
	return route
}

function findRoute(manifest: Manifest, pathname: string): MatchedRoute | undefined {
	let tree = trees.get(manifest)
	if (!tree) trees.set(manifest, (tree = routeTree(manifest)))
	const matches = matchRoutes(tree, dataRequestPath(pathname)) ?? []
	const leaf = matches.at(-1)
	if (!leaf) return undefined
	const segments = matches.map((m) => m.route.path?.replace(/^\/|\/$/g, '')).filter(Boolean)
	return { id: leaf.route.id, pattern: `/${segments.join('/')}` }
}

/** Single-fetch data requests (`/images.data`, `/_root.data`) go to the page's routes. */
function dataRequestPath(pathname: string) {
	if (pathname === '/_root.data') return '/'
	return pathname.endsWith('.data') ? pathname.slice(0, -'.data'.length) : pathname
}

function routeTree(manifest: Manifest, parentId?: string): RouteTree {
	return Object.values(manifest)
		.filter((route) => route.parentId === parentId)
		.map((route) => {
			const node = {
				id: route.id,
				path: route.path,
				caseSensitive: route.caseSensitive,
			}
			// react-router's types keep index routes childless.
			return route.index
				? { ...node, index: true as const }
				: { ...node, children: routeTree(manifest, route.id) }
		})
}
