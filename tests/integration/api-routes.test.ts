import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { operations } from '#app/http/operations.server'

// The API route files and the operation declarations describe the same set of
// operations: a route file without a declaration, or a declaration no route
// file serves, fails here.

const routesDir = path.resolve(import.meta.dirname, '../../app/routes')

// Not operations: the catch-all answers 404 problem+json, /api/docs is a page.
const notOperations = new Set(['api.$.ts', 'api.docs.tsx'])

/** `api.webhooks.$id.[test].ts` → `/api/webhooks/{id}/test` (Remix flat routes). */
function pathOfRouteFile(file: string) {
	const segments = file.replace(/\.tsx?$/, '').match(/(\[[^\]]*\]|[^.])+/g)!
	return `/${segments
		.map((segment) => segment.replace(/^\$(.+)$/, '{$1}').replace(/\[([^\]]*)\]/g, '$1'))
		.join('/')}`
}

const routeFiles = fs
	.readdirSync(routesDir)
	.filter((file) => file.startsWith('api.') && !notOperations.has(file))

describe('API route files and operation declarations', () => {
	it('match one to one, by path', () => {
		const served = routeFiles.map(pathOfRouteFile).sort()
		const declared = [...new Set(operations.map((operation) => operation.path))].sort()
		expect(served).toEqual(declared)
	})

	it('each route file serves exactly the methods declared for its path', async () => {
		for (const file of routeFiles) {
			const module = (await import(path.join(routesDir, file))) as {
				loader: (args: unknown) => Promise<Response>
				action: (args: unknown) => Promise<Response>
			}
			const pathName = pathOfRouteFile(file)
			const declared = operations
				.filter((operation) => operation.path === pathName)
				.map((operation) => operation.method)
			const request = new Request(`http://localhost${pathName}`, { method: 'PUT' })
			const response = await module.action({ request, params: {}, context: { requestId: 'test' } })
			expect(response.status, file).toBe(405)
			expect(response.headers.get('Allow')?.split(', ').sort(), file).toEqual(declared.sort())
			expect(module.loader, `${file}: one handler for every method`).toBe(module.action)
		}
	})

	it('gives every operation a unique operationId', () => {
		const ids = operations.map((operation) => operation.operationId)
		expect(new Set(ids).size).toBe(ids.length)
	})
})
