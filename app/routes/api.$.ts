import { NotFoundError } from '#app/errors'
import { apiHandler } from '#app/http/problem.server'

// Unknown API paths answer problem+json too, not the HTML 404 page.
const notFound = apiHandler(async () => {
	throw new NotFoundError('There is no API route at this path. See /api/openapi.json.')
})
export const loader = notFound
export const action = notFound
